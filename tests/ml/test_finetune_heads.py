"""ml.finetune_heads and ml.augment: the supervised fine-tuning never reads an evaluation item, learns its heads,
and hands over a checkpoint the image encoder loads; the augmentation is deterministic and makes the three shapes."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ml.augment import augment
from ml.data import load_styles, split_of
from ml.encoders import ImageEncoder
from ml.finetune_heads import MIN_CLASS_ITEMS, Catalogue, HeadsConfig, label_names, train


@pytest.fixture(scope="module")
def trained(mini_dataset, tmp_path_factory):
    """One short run on the mini set, recording every item whose photo it read."""
    folder = Catalogue.from_folder(mini_dataset)
    read: list[str] = []

    def reading(item):
        read.append(item.id)
        return folder.read(item)

    out = tmp_path_factory.mktemp("heads") / "mini.pt"
    config = HeadsConfig(data=str(mini_dataset), out=str(out), epochs=2, views=1, batch_size=32, progress=False,
                         export=str(out.with_name("mini-fp16.pt")))
    return train(config, replace(folder, read=reading)), read


def test_fine_tuning_never_reads_an_evaluation_item(trained, mini_dataset):
    _, read = trained
    splits = {split_of(i) for i in read}
    assert splits == {"train", "validation"}
    assert len(read) == sum(split_of(i.id) != "evaluation" for i in load_styles(mini_dataset))


def test_the_heads_learn_the_training_labels(trained):
    result, _ = trained
    before, after = result.history[0], result.history[-1]
    assert after["loss"] < result.history[1]["loss"]  # the second epoch's loss is below the first's
    assert after["top1_article_type"] > before["top1_article_type"]


def test_the_exported_trunk_loads_as_the_image_encoder_and_changes_its_vectors(trained, mini_dataset):
    result, _ = trained
    photos = [item.image_path(mini_dataset) for item in load_styles(mini_dataset)[:4]]
    tuned = ImageEncoder(input_size=96, weights=result.export, device="cpu").embed(photos)
    default = ImageEncoder(input_size=96, device="cpu").embed(photos)
    assert tuned.shape == default.shape
    assert np.allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(tuned, default, atol=1e-3)


def test_a_label_too_rare_to_learn_is_not_a_class(mini_dataset):
    items = load_styles(mini_dataset)
    names = label_names(items)
    counts = {t: sum(i.article_type == t for i in items) for t in {i.article_type for i in items}}
    assert all(counts[t] >= MIN_CLASS_ITEMS for t in names["article_type"])
    assert any(c < MIN_CLASS_ITEMS for c in counts.values())  # the set has some, so the rule was exercised


def _product(size: int = 80) -> tuple[np.ndarray, np.ndarray]:
    rgb = np.full((size, size, 3), 255, np.uint8)
    rgb[20:60, 25:55] = (180, 30, 40)
    mask = np.zeros((size, size), bool)
    mask[20:60, 25:55] = True
    return rgb, mask


def test_augment_is_deterministic_for_a_seed():
    rgb, mask = _product()
    first = augment(rgb, mask, size=96, rng=np.random.default_rng(3))
    again = augment(rgb, mask, size=96, rng=np.random.default_rng(3))
    other = augment(rgb, mask, size=96, rng=np.random.default_rng(4))
    assert first.shape == (96, 96, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_a_cutout_stands_on_white_and_a_scene_on_a_background():
    rgb, mask = _product()
    texture = np.random.default_rng(0).integers(0, 255, (80, 60, 3), dtype=np.uint8)
    border = lambda a: np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]]).mean(axis=1)  # the garment may touch it
    for seed in range(5):
        cut = augment(rgb, mask, size=96, rng=np.random.default_rng(seed), kind="cutout", texture=texture)
        scene = augment(rgb, mask, size=96, rng=np.random.default_rng(seed), kind="scene", texture=texture)
        assert np.median(border(cut)) >= 245  # sensor noise and blur may nudge white a little
        assert np.median(border(scene)) < 240


def test_an_unknown_kind_is_refused():
    rgb, mask = _product()
    with pytest.raises(ValueError, match="unknown augmentation kind"):
        augment(rgb, mask, size=96, rng=np.random.default_rng(0), kind="beach")
