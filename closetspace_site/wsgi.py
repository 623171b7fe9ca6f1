"""The WSGI application (gunicorn workers, and `manage.py runserver` through WSGI_APPLICATION).

Building it starts loading the encoder in a background thread (EMBEDDING_PRELOAD): find-similar embeds its upload
inside the request, and so does every upload in the embedded default (`make run`, no broker), so the first such
request of a fresh process waited 6-20 s for the models. The thread starts in the process that serves, after the
fork: never serve this with gunicorn's --preload, which would fork the workers from a process in mid-load.
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closetspace_site.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    from django.conf import settings

    if settings.EMBEDDING_PRELOAD:
        from wardrobe.embedding import warm_encoder_in_background

        warm_encoder_in_background()


_warm_up()
