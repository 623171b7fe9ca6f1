"""Serving stored photos: the one response both the closet's and the shop's photo views return."""
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404


def stored_photo_response(name: str, *, cache_control: str) -> FileResponse:
    """The stored JPEG ``name`` as a response, or 404 when its file is gone (a row can outlive a lost file)."""
    try:
        fh = default_storage.open(name, "rb")
    except (OSError, ValueError):
        raise Http404("The photo file is missing.") from None
    response = FileResponse(fh, content_type="image/jpeg")
    response["Cache-Control"] = cache_control
    return response
