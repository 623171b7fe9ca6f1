"""Mood-board pages: the boards, one board with its photos, upload, pin a garment, delete, the photos themselves and
the For you slider. Thin: parse, call wardrobe.moodboards, render or redirect."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wardrobe import moodboards, selectors
from wardrobe.forms import BlendForm, BoardForm, BoardPhotoUploadForm, PinGarmentForm
from wardrobe.http import own_garment_or_404, safe_next, stored_photo_response
from wardrobe.images import ImageRejected
from wardrobe.models import BoardPhoto, MoodBoard
from wardrobe.services import BatchTooLarge, check_batch_size


def own_board_or_404(request: HttpRequest, pk: int) -> MoodBoard:
    """The requesting user's board; anyone else's is a 404, exactly like one that does not exist."""
    try:
        return moodboards.board_get(user=request.user, pk=pk)
    except MoodBoard.DoesNotExist:
        raise Http404("No such mood board.") from None


def own_board_photo_or_404(request: HttpRequest, pk: int) -> BoardPhoto:
    try:
        return moodboards.board_photo_get(user=request.user, pk=pk)
    except BoardPhoto.DoesNotExist:
        raise Http404("No such photo on your boards.") from None


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def board_list(request: HttpRequest) -> HttpResponse:
    form = BoardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            board = moodboards.board_create(owner=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, f"Board “{board.name}” created. Add photos that inspire you.")
            return redirect(board)
    boards = list(moodboards.board_list(user=request.user))
    covers = moodboards.board_covers(boards=boards)
    return render(
        request, "wardrobe/board_list.html",
        {"boards": [(b, covers.get(b.pk, [])) for b in boards], "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    board = own_board_or_404(request, pk)
    photos = list(moodboards.board_photos(board=board))
    pinned = {p.garment_id for p in photos if p.garment_id}
    closet = [g for g in selectors.garment_list(user=request.user) if g.pk not in pinned]
    return render(
        request, "wardrobe/board_detail.html",
        {
            "board": board, "photos": photos, "upload_form": BoardPhotoUploadForm(), "rename_form": BoardForm(initial={"name": board.name}),
            "closet": closet[:200], "waiting": [p.pk for p in photos if p.embedding_state in ("pending", "processing")],
        },
    )


@login_required
@require_POST
def board_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload one or more inspiration photos; each stands alone (a rejected one is named, the others kept)."""
    board = own_board_or_404(request, pk)
    form = BoardPhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(board)
    files = form.cleaned_data["photos"]
    try:
        check_batch_size(count=len(files), total_bytes=sum(f.size or 0 for f in files))
    except BatchTooLarge as exc:
        messages.error(request, str(exc))
        return redirect(board)
    added = 0
    for upload in files:
        try:
            moodboards.board_photo_upload(board=board, image=upload)
            added += 1
        except ImageRejected as exc:
            messages.error(request, f"{upload.name}: {exc}")
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
            break
    if added:
        messages.success(request, f"Added {added} photo{'s' if added != 1 else ''}; they shape For you once analysed.")
    return redirect(board)


@login_required
@require_POST
def board_pin_garment(request: HttpRequest, pk: int) -> HttpResponse:
    board = own_board_or_404(request, pk)
    form = PinGarmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a garment to pin.")
        return redirect(board)
    garment = own_garment_or_404(request, form.cleaned_data["garment"])
    try:
        _, created = moodboards.board_pin_garment(board=board, garment=garment)
    except (ImageRejected, ValidationError) as exc:
        messages.error(request, str(exc) if isinstance(exc, ImageRejected) else _messages_of(exc))
    else:
        messages.success(request, f"Pinned “{garment.name}”." if created else f"“{garment.name}” is already on this board.")
    return redirect(safe_next(request, board.get_absolute_url()))


@login_required
@require_POST
def board_rename(request: HttpRequest, pk: int) -> HttpResponse:
    board = own_board_or_404(request, pk)
    form = BoardForm(request.POST)
    if form.is_valid():
        moodboards.board_rename(board=board, name=form.cleaned_data["name"])
        messages.success(request, "Board renamed.")
    else:
        messages.error(request, "Give the board a name.")
    return redirect(board)


@login_required
@require_http_methods(["GET", "POST"])
def board_delete(request: HttpRequest, pk: int) -> HttpResponse:
    board = own_board_or_404(request, pk)
    if request.method == "POST":
        count = moodboards.board_delete(board=board)
        messages.success(request, f"Deleted “{board.name}” and its {count} photo{'s' if count != 1 else ''}.")
        return redirect("wardrobe:board-list")
    return render(request, "wardrobe/board_confirm_delete.html", {"board": board})


@login_required
@require_POST
def board_photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    photo = own_board_photo_or_404(request, pk)
    board = photo.board
    moodboards.board_photo_delete(photo=photo)
    messages.success(request, "Photo removed from the board; For you no longer leans toward it.")
    return redirect(safe_next(request, board.get_absolute_url()))


@login_required
@require_POST
def board_photo_retry(request: HttpRequest, pk: int) -> HttpResponse:
    photo = own_board_photo_or_404(request, pk)
    moodboards.board_photo_retry(photo=photo)
    return redirect(photo.board)


@login_required
@require_GET
def board_photo_image(request: HttpRequest, pk: int, variant: str) -> FileResponse:
    photo = own_board_photo_or_404(request, pk)
    name = photo.thumbnail.name if variant == "thumb" else photo.image.name
    return stored_photo_response(name, cache_control="private, max-age=3600")


@login_required
@require_POST
def inspiration_blend(request: HttpRequest) -> HttpResponse:
    form = BlendForm(request.POST)
    if form.is_valid():
        share = moodboards.blend_set(owner=request.user, share=form.cleaned_data["share"] / 100)
        messages.success(request, f"For you now takes {share:.0%} of its picks from your mood boards.")
    else:
        messages.error(request, "The mix is a number from 0 to 100.")
    return redirect(safe_next(request, "recommender:for-you"))
