"""Pinning a shop item to a mood board: the shop's side of ``wardrobe.moodboards.board_pin_photo``.

The closet never reads the shop, so the shop hands the board its item's stored photo and words (name, brand,
category: the same text block the item's own vector reads)."""
from __future__ import annotations

from io import BytesIO

from django.contrib.auth.models import AbstractBaseUser

from ml.images import ImageLoadError
from recommender.models import InventoryItem
from recommender.services.embedding import item_text_of
from wardrobe import moodboards
from wardrobe.embedding import read_stored_file
from wardrobe.images import ImageRejected
from wardrobe.models import BoardPhoto, MoodBoard


def pin_shop_item(*, user: AbstractBaseUser, item_id: int, board: MoodBoard | None = None) -> tuple[BoardPhoto, bool]:
    """Pin an active shop item to ``board`` (the user's most recent board when None, a new one when they have
    none): ``(photo, created)``. Raises InventoryItem.DoesNotExist for an unknown or retired item, ImageRejected
    when its photo file is gone, and ValueError for a board that is not the user's."""
    if board is not None and board.owner_id != user.pk:
        raise ValueError("that board is not yours")
    item = InventoryItem.objects.defer("embedding").get(pk=item_id, is_active=True)
    if board is None:
        board = moodboards.board_list(user=user).first() or moodboards.board_create(owner=user)
    try:
        data = read_stored_file(item.image.name)
    except ImageLoadError as exc:
        raise ImageRejected("This item's photo is missing, so it cannot be pinned.") from exc
    return moodboards.board_pin_photo(board=board, image=BytesIO(data), caption=item_text_of(item), shop_item_id=item.pk)
