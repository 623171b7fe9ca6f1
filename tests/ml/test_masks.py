"""Background removal on generated home photos (true masks known) and on catalogue photos."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ml.data import load_styles
from ml.homephotos import catalogue_mask, home_photo_for_item
from ml.masks import cutout_on_white, foreground, iou

# bench/masks.py measured a mean IoU of 0.886 (p10 0.74) over the first 40 mini-set items under seed 1; 0.80 on 20
# items under another seed leaves room for the spread between items and seeds while still failing a mask that cuts
# into the garment or keeps the bed (the whole frame scores ~0.3, the rectangle GrabCut starts from ~0.4).
MEAN_IOU_FLOOR = 0.80


@pytest.fixture(scope="module")
def home_photos(mini_dataset):
    items = load_styles(mini_dataset)[100:120]
    return [home_photo_for_item(item.image_path(mini_dataset), item.id, seed=5) for item in items]


def test_home_photos_are_cut_out_close_to_their_true_masks(home_photos):
    scores = [iou(foreground(np.asarray(photo.image())).mask, photo.mask) for photo in home_photos]
    assert np.mean(scores) >= MEAN_IOU_FLOOR, scores


def test_the_whole_frame_would_not_pass_the_floor(home_photos):
    whole = [iou(np.ones_like(photo.mask), photo.mask) for photo in home_photos]
    assert np.mean(whole) < MEAN_IOU_FLOOR - 0.3


def test_a_catalogue_photo_takes_the_white_border_path(mini_dataset):
    item = load_styles(mini_dataset)[0]
    rgb = np.asarray(Image.open(item.image_path(mini_dataset)).convert("RGB"))
    found = foreground(rgb)
    assert found.method == "white-border"
    assert np.array_equal(found.mask, catalogue_mask(rgb))


def test_a_photo_without_a_garment_is_not_cut(tmp_path):
    found = foreground(np.full((300, 200, 3), 128, dtype=np.uint8))
    assert found.method == "none" and found.mask.all()


def test_the_cut_out_is_on_white_and_cropped_to_the_garment():
    rgb = np.zeros((200, 200, 3), dtype=np.uint8)
    rgb[:] = (30, 90, 160)
    mask = np.zeros((200, 200), dtype=bool)
    mask[50:150, 70:130] = True
    rgb[mask] = (200, 30, 30)
    cut = np.asarray(cutout_on_white(rgb, mask))
    assert cut.shape[0] < 130 and cut.shape[1] < 80
    corner = cut[0, 0]
    assert corner.min() >= 250  # background replaced by white
    centre = cut[cut.shape[0] // 2, cut.shape[1] // 2]
    assert centre[0] > 180 and centre[2] < 60


def test_the_same_photo_gets_the_same_cutout_every_time(mini_dataset):
    item = load_styles(mini_dataset)[5]
    photo = home_photo_for_item(item.image_path(mini_dataset), item.id, seed=1).jpeg
    masks = [foreground(photo).mask for _ in range(4)]
    assert all(np.array_equal(masks[0], m) for m in masks[1:])
