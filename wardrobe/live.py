"""Live embedding states for the closet: a small JSON endpoint the page polls, and the retry button's POST."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from wardrobe import selectors, services
from wardrobe.models import EmbeddingState, Garment

MAX_IDS = 200


def _state(garment: Garment) -> dict:
    return {
        "state": garment.embedding_state,
        "label": garment.get_embedding_state_display(),
        "error": garment.embedding_error if garment.embedding_state == EmbeddingState.FAILED else "",
        "retry_url": reverse("wardrobe:garment-retry", args=[garment.pk])
        if garment.embedding_state == EmbeddingState.FAILED
        else "",
    }


@login_required
@require_GET
def garment_states(request: HttpRequest) -> JsonResponse:
    """{"garments": {id: {state, label, error, retry_url}}, "busy": bool} for the user's listed ids (ids=1,2,3).

    Foreign or unknown ids are simply absent. ``busy`` tells the page whether to keep polling.
    """
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()][:MAX_IDS]
    garments = selectors.garment_list(user=request.user, archived=None).filter(pk__in=ids).only(
        "pk", "embedding_state", "embedding_error"
    )
    states = {str(g.pk): _state(g) for g in garments}
    busy = any(s["state"] in (EmbeddingState.PENDING, EmbeddingState.PROCESSING) for s in states.values())
    return JsonResponse({"garments": states, "busy": busy})


@login_required
@require_POST
def garment_retry(request: HttpRequest, pk: int) -> JsonResponse:
    """Queue a failed garment's embedding again. Only failed garments can be retried (409 otherwise)."""
    try:
        garment = selectors.garment_get(user=request.user, pk=pk)
    except Garment.DoesNotExist as exc:
        raise Http404 from exc
    if garment.embedding_state != EmbeddingState.FAILED:
        return JsonResponse({"error": "Only a failed analysis can be retried."}, status=409)
    services.garment_retry(garment=garment)
    garment.refresh_from_db(fields=["embedding_state", "embedding_error"])
    return JsonResponse({"garment": {str(garment.pk): _state(garment)}})
