"""The home-photo generator: deterministic per (item, seed), independent of order, and honest about its mask."""
from __future__ import annotations

import numpy as np
import pytest

from ml.data import load_styles
from ml.homephotos import BACKGROUNDS, catalogue_mask, home_photo_for_item, item_key, make_home_photo
from tests.ml.conftest import draw_product


@pytest.fixture(scope="module")
def mini_items(mini_dataset):
    return load_styles(mini_dataset)[:12], mini_dataset


def test_the_same_item_and_seed_give_the_same_photo_and_mask(mini_items):
    items, root = mini_items
    first = home_photo_for_item(items[0].image_path(root), items[0].id, seed=3)
    again = home_photo_for_item(items[0].image_path(root), items[0].id, seed=3)
    assert first.jpeg == again.jpeg
    assert np.array_equal(first.mask, again.mask)


def test_another_seed_gives_another_photo(mini_items):
    items, root = mini_items
    one = home_photo_for_item(items[0].image_path(root), items[0].id, seed=1)
    two = home_photo_for_item(items[0].image_path(root), items[0].id, seed=2)
    assert one.jpeg != two.jpeg


def test_a_photo_does_not_depend_on_which_photos_were_made_before_it(mini_items):
    items, root = mini_items
    alone = home_photo_for_item(items[5].image_path(root), items[5].id, seed=1)
    for item in items[:5]:
        home_photo_for_item(item.image_path(root), item.id, seed=1)
    after_others = home_photo_for_item(items[5].image_path(root), items[5].id, seed=1)
    assert alone.jpeg == after_others.jpeg


def test_the_item_key_is_stable_across_processes():
    assert item_key("15970") == item_key(15970) == 177882748


def test_photos_are_phone_sized_jpegs_with_the_garment_off_the_white(mini_items):
    items, root = mini_items
    for item in items:
        photo = home_photo_for_item(item.image_path(root), item.id, seed=1)
        width, height = photo.size
        assert 480 <= max(width, height) <= 640 and photo.jpeg[:3] == b"\xff\xd8\xff"
        assert photo.mask.shape == (height, width)
        assert 0.03 < photo.mask.mean() < 0.8
        assert photo.background in BACKGROUNDS
        # The background is not the catalogue's white sweep any more.
        outside = np.asarray(photo.image())[~photo.mask]
        assert (outside.min(axis=1) >= 232).mean() < 0.5


def test_the_true_mask_covers_the_pasted_garment():
    red_square = draw_product(colour="red", shape="square", size=(60, 80))
    photo = make_home_photo(red_square, seed=0, key=1)
    rgb = np.asarray(photo.image()).astype(int)
    inside = rgb[photo.mask]
    # Lighting shifts the red, but it stays the reddest part of the frame.
    redness = inside[:, 0] - inside[:, 1:].mean(axis=1)
    assert np.median(redness) > 60


def test_white_inside_an_outlined_garment_stays_foreground():
    image = np.full((80, 60, 3), 255, dtype=np.uint8)
    image[10:70, 10:50] = 40  # a dark outline...
    image[14:66, 14:46] = 255  # ...around a white front
    mask = catalogue_mask(image)
    assert mask[40, 30] and mask[10, 10] and not mask[2, 2]
