"""The mood board's share of a list (ml.ranking.inspiration), crop boxes (ml.images) and outfits around a piece that
is not in the closet (ml.outfits.complete_outfit)."""
import io

import numpy as np
import pytest
from PIL import Image

from ml.images import Box, BoxError, crop_to_box
from ml.index import ExactIndex
from ml.outfits import BOTTOM, SHOES, TOP, Piece, complete_outfit
from ml.ranking import inspiration_slots, recommend_with_board


def units(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize(("share", "expected"), [(0.0, (24, 0)), (1.0, (0, 24)), (0.25, (18, 6)), (7.0, (0, 24)), (-1, (24, 0))])
def test_the_slider_shares_the_slots_and_its_ends_give_one_source_only(share, expected):
    assert inspiration_slots(24, share, has_closet=True, has_board=True) == expected


def test_a_closet_without_a_board_or_a_board_without_a_closet_gets_every_slot():
    assert inspiration_slots(24, 0.9, has_closet=True, has_board=False) == (24, 0)
    assert inspiration_slots(24, 0.0, has_closet=False, has_board=True) == (0, 24)


def _two_styles():
    """An index with two far-apart styles: items 0-99 around one direction, 100-199 around the opposite one."""
    rng = np.random.default_rng(3)
    axis = units(1, seed=9)[0]
    a = axis + 0.35 * rng.normal(size=(100, 16))
    b = -axis + 0.35 * rng.normal(size=(100, 16))
    vectors = np.vstack([a, b]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return ExactIndex(np.arange(200), vectors, model_version="t"), axis


def test_the_board_part_comes_from_the_board_and_never_repeats_a_closet_card():
    index, axis = _two_styles()
    owned = (axis + 0.1 * units(3, seed=1)).astype(np.float32)
    board = (-axis + 0.1 * units(2, seed=2)).astype(np.float32)
    out = recommend_with_board(
        index, [-1, -2, -3], owned, [-101, -102], board, k=20, share=0.5, rng=np.random.default_rng(0), exploration=0.0,
    )
    closet_ids = [r.item_id for r in out.closet]
    board_ids = [r.item_id for r in out.board]
    assert len(closet_ids) == 10 and len(board_ids) == 10
    assert not set(closet_ids) & set(board_ids)
    assert all(i >= 100 for i in board_ids)  # the opposite style: the board's
    assert all(i < 100 for i in closet_ids)
    assert {r.because_owned_id for r in out.board} <= {-101, -102}


def test_a_box_is_clipped_to_the_photo_and_a_tiny_or_outside_one_is_refused():
    assert Box(0.8, 0.5, 0.5, 0.2).as_tuple() == pytest.approx((0.8, 0.5, 0.2, 0.2))
    for bad in [(0.99, 0.0, 0.5, 0.5), (0.1, 0.1, 0.01, 0.5), (float("nan"), 0, 1, 1), ("a", 0, 1, 1), (1.2, 0, 0.5, 0.5)]:
        with pytest.raises(BoxError):
            Box(*bad)


def test_crop_to_box_keeps_the_framed_half_of_the_photo():
    image = Image.new("RGB", (200, 100), "white")
    image.paste((200, 0, 0), (0, 0, 100, 100))  # left half red
    image.paste((0, 0, 200), (100, 0, 200, 100))  # right half blue
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    right = Image.open(io.BytesIO(crop_to_box(buffer.getvalue(), Box(0.5, 0, 0.5, 1))))
    assert right.size == (100, 100)
    r, g, b = right.convert("RGB").getpixel((50, 50))
    assert b > 150 and r < 60


def test_an_outfit_around_shoes_takes_a_top_and_a_bottom_from_the_closet_but_no_other_shoes():
    anchor = Piece(id=-1, name="framed shoes", slot=SHOES, colour="black")
    closet = [
        Piece(id=1, name="white tee", slot=TOP, colour="white"),
        Piece(id=2, name="jeans", slot=BOTTOM, colour="blue"),
        Piece(id=3, name="sneakers", slot=SHOES, colour="white"),
    ]
    outfit = complete_outfit(anchor, closet)
    assert set(outfit.ids) == {-1, 1, 2}
