import os

import pytest
import redis
from celery.signals import before_task_publish
from django.core.exceptions import ValidationError

from wardrobe.tasks import embed_garment
from tests.factories import GarmentFactory, UserFactory, upload
from wardrobe import services
from wardrobe.models import EmbeddingState, Garment

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app at a real broker URL (not eager) for one test; its cached pools are restored after."""
    app = embed_garment.app

    def use(url: str) -> None:
        # The app reads Django settings under the CELERY_ namespace, so its keys carry the prefix.
        for key, value in {
            "CELERY_TASK_ALWAYS_EAGER": False,
            "CELERY_BROKER_URL": url,
            "CELERY_TASK_PUBLISH_RETRY": False,
            "CELERY_BROKER_CONNECTION_RETRY": False,
            "CELERY_BROKER_CONNECTION_TIMEOUT": 2,
        }.items():
            monkeypatch.setitem(app.conf, key, value)
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)

    return use


@pytest.fixture
def published():
    """(task name, args) of every task message sent to the broker during the test."""
    sent = []

    def record(sender=None, body=None, headers=None, **kwargs):
        sent.append((sender, tuple(body[0]) if isinstance(body, tuple) else tuple(headers.get("argsrepr", ""))))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


def test_creating_a_garment_queues_its_embedding_only_after_commit(broker, published, django_capture_on_commit_callbacks):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (make test sets it)")
    broker(redis_url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        garment = services.garment_create(owner=UserFactory(), image=upload())
    assert published == []
    for callback in callbacks:
        callback()
    assert published == [("wardrobe.tasks.embed_garment", (garment.pk,))]
    redis.Redis.from_url(redis_url).flushdb()


def test_a_broker_that_is_down_does_not_fail_the_upload(broker, caplog, django_capture_on_commit_callbacks):
    broker("redis://127.0.0.1:1/0")
    with django_capture_on_commit_callbacks(execute=True):
        garment = services.garment_create(owner=UserFactory(), image=upload())
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.PENDING
    assert "could not queue embed_garment" in caplog.text


def test_the_name_defaults_to_the_file_name():
    garment = services.garment_create(owner=UserFactory(), image=upload("red_summer-dress.jpg"))
    assert garment.name == "red summer dress"


def test_bad_metadata_stores_no_files(stored_files):
    with pytest.raises(ValidationError):
        services.garment_create(owner=UserFactory(), image=upload(), category="spacesuits")
    assert stored_files() == [] and Garment.objects.count() == 0


def test_a_storage_failure_halfway_leaves_no_orphan_file(monkeypatch, stored_files):
    from django.core.files.storage import default_storage

    real_save = default_storage.save

    def save_then_fail_on_thumbnail(name, content, *args, **kwargs):
        if "thumbs" in name:
            raise OSError("disk full")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", save_then_fail_on_thumbnail)
    with pytest.raises(OSError):
        services.garment_create(owner=UserFactory(), image=upload())
    assert stored_files() == [] and Garment.objects.count() == 0


def test_stored_names_are_unguessable_and_not_the_uploaded_name():
    garment = GarmentFactory(image=upload("my-home-address.jpg"))
    assert "my-home-address" not in garment.image.name
    assert len(garment.image.name.rsplit("/", 1)[-1]) == len("0123456789abcdef0123456789abcdef.jpg")


def test_renaming_a_garment_resets_its_embedding():
    garment = GarmentFactory()
    garment.mark_processing()
    garment.mark_ready(b"\x00" * 16, "v1")
    services.garment_update(garment=garment, data={"name": "New name"})
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.PENDING


def test_changing_only_the_size_keeps_the_embedding():
    garment = GarmentFactory()
    garment.mark_processing()
    garment.mark_ready(b"\x00" * 16, "v1")
    services.garment_update(garment=garment, data={"size": "M"})
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.READY and garment.size == "M"


def test_deleting_a_garment_removes_its_files_after_commit(stored_files, django_capture_on_commit_callbacks):
    garment = GarmentFactory()
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.garment_delete(garment=garment)
    assert stored_files() == []
