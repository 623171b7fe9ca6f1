"""HTTP helpers the closet's and the shop's pages share: the owner-checked garment lookup and stored photos."""
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest

from wardrobe import selectors
from wardrobe.models import Garment


def stored_photo_response(name: str, *, cache_control: str) -> FileResponse:
    """The stored JPEG ``name`` as a response, or 404 when its file is gone (a row can outlive a lost file)."""
    try:
        fh = default_storage.open(name, "rb")
    except (OSError, ValueError):
        raise Http404("The photo file is missing.") from None
    response = FileResponse(fh, content_type="image/jpeg")
    response["Cache-Control"] = cache_control
    return response


def own_garment_or_404(request: HttpRequest, pk: int) -> Garment:
    """The requesting user's garment ``pk``; another user's garment is a 404, exactly like one that does not exist."""
    try:
        return selectors.garment_get(user=request.user, pk=pk)
    except Garment.DoesNotExist:
        raise Http404("No such garment in your closet.") from None
