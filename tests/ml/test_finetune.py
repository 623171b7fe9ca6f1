"""ml.finetune: tiny CPU runs on generated photos (a dozen 60x80 images, 64-pixel input, one or two epochs)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.data import STYLES_COLUMNS
from ml.encoders import ImageEncoder, build_backbone, load_checkpoint
from ml.finetune import (
    FinetuneConfig,
    collect_photos,
    draw_loss_curve,
    export_encoder,
    finetune,
    main,
    neighbour_precision,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    from PIL import ImageDraw

    folder = tmp_path_factory.mktemp("photos")
    n = 0
    for shape in ("square", "circle", "stripes"):
        for colour in ("red", "navy", "green", "orange"):
            image = Image.new("RGB", (60, 80), "white")
            draw = ImageDraw.Draw(image)
            if shape == "square":
                draw.rectangle((12, 16, 48, 64), fill=colour)
            elif shape == "circle":
                draw.ellipse((12, 16, 48, 64), fill=colour)
            else:
                for x in range(0, 60, 8):
                    draw.rectangle((x, 0, x + 3, 80), fill=colour)
            image.save(folder / f"{100 + n}.jpg", quality=95)
            n += 1
    return folder


def tiny_config(photos: Path, out: Path, **overrides) -> FinetuneConfig:
    settings = dict(images=str(photos), out=str(out), epochs=1, input_size=64, batch_size=4, progress=False, seed=7)
    return FinetuneConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def one_epoch(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "encoder.pt"
    return finetune(tiny_config(photos, out))


def test_a_one_epoch_run_writes_a_checkpoint_and_a_reconstruction_grid(one_epoch):
    state = load_checkpoint(one_epoch.checkpoint)

    assert state["epoch"] == 1
    assert len(state["epoch_losses"]) == 1 and np.isfinite(state["epoch_losses"][0])
    assert len(state["step_losses"]) == 3  # 12 photos in batches of 4
    with Image.open(one_epoch.samples) as grid:
        assert grid.size == (8 * 64, 2 * 64)


def test_the_same_seed_gives_the_same_loss(photos, tmp_path, one_epoch):
    again = finetune(tiny_config(photos, tmp_path / "again.pt"))

    assert again.step_losses == pytest.approx(one_epoch.step_losses, rel=1e-6)


def test_another_seed_gives_another_loss(photos, tmp_path, one_epoch):
    other = finetune(tiny_config(photos, tmp_path / "other.pt", seed=8))

    assert other.step_losses != pytest.approx(one_epoch.step_losses, rel=1e-6)


def test_resume_continues_where_the_last_epoch_ended_as_if_never_stopped(photos, tmp_path, one_epoch):
    out = tmp_path / "resumed.pt"
    out.write_bytes(one_epoch.checkpoint.read_bytes())

    resumed = finetune(tiny_config(photos, out, epochs=2, resume=True))
    straight = finetune(tiny_config(photos, tmp_path / "straight.pt", epochs=2))

    assert load_checkpoint(out)["epoch"] == 2
    assert len(resumed.step_losses) == 6
    assert resumed.step_losses == pytest.approx(straight.step_losses, rel=1e-5)


def test_resume_with_nothing_to_resume_starts_from_scratch(photos, tmp_path, one_epoch):
    fresh = finetune(tiny_config(photos, tmp_path / "new.pt", resume=True))

    assert fresh.step_losses == pytest.approx(one_epoch.step_losses, rel=1e-6)


def test_resume_refuses_a_checkpoint_of_another_input_size(photos, tmp_path, one_epoch):
    out = tmp_path / "resumed.pt"
    out.write_bytes(one_epoch.checkpoint.read_bytes())

    with pytest.raises(ValueError, match="other settings"):
        finetune(tiny_config(photos, out, epochs=2, resume=True, input_size=96))


def test_the_checkpoint_loads_into_the_image_encoder_and_changes_its_vectors(photos, one_epoch):
    pretrained = ImageEncoder(input_size=64, device="cpu")
    tuned = ImageEncoder(input_size=64, device="cpu", weights=one_epoch.checkpoint)
    photo = [photos / "100.jpg"]

    assert tuned.version != pretrained.version
    assert tuned.dim == 1280
    assert float(tuned.embed(photo)[0] @ pretrained.embed(photo)[0]) < 0.9999


def test_frozen_stages_keep_their_imagenet_weights_and_later_ones_learn(one_epoch):
    pretrained, _ = build_backbone("efficientnet_lite0", None)
    tuned = load_checkpoint(one_epoch.checkpoint)["encoder"]
    before = pretrained.net.state_dict()

    assert torch.equal(tuned["conv_stem.weight"], before["conv_stem.weight"])
    assert torch.equal(tuned["blocks.2.0.conv_pw.weight"], before["blocks.2.0.conv_pw.weight"])
    assert torch.equal(tuned["blocks.2.0.bn1.running_mean"], before["blocks.2.0.bn1.running_mean"])
    assert not torch.equal(tuned["blocks.5.0.conv_pw.weight"], before["blocks.5.0.conv_pw.weight"])


def test_exported_fp16_weights_are_small_and_embed_like_the_checkpoint(photos, tmp_path, one_epoch):
    exported = export_encoder(one_epoch.checkpoint, tmp_path / "weights.pt")
    photo = [photos / "101.jpg"]

    full = ImageEncoder(input_size=64, device="cpu", precision="fp32", weights=one_epoch.checkpoint).embed(photo)
    slim = ImageEncoder(input_size=64, device="cpu", precision="fp32", weights=exported).embed(photo)

    assert exported.stat().st_size < 10 * 2**20
    assert float(full[0] @ slim[0]) > 0.999


def write_items_csv(photos: Path, path: Path) -> Path:
    types = {"square": "Tshirts", "circle": "Watches", "stripes": "Shirts"}
    colours = ["Red", "Navy Blue", "Green", "Orange"]
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=STYLES_COLUMNS)
        writer.writeheader()
        for n, shape in enumerate(s for s in types for _ in range(4)):
            writer.writerow(
                {
                    "id": 100 + n, "gender": "Men", "masterCategory": "Apparel", "subCategory": "Topwear",
                    "articleType": types[shape], "baseColour": colours[n % 4], "season": "Summer", "year": "2012",
                    "usage": "Casual", "productDisplayName": f"Item {n}",
                }
            )
    return path


def test_a_supervised_run_trains_article_type_and_colour_heads(photos, tmp_path):
    csv_path = write_items_csv(photos, tmp_path / "items.csv")

    result = finetune(tiny_config(photos, tmp_path / "sup.pt", csv=str(csv_path), supervised=True))

    state = load_checkpoint(result.checkpoint)
    assert state["labels"]["article_type"] == ["Shirts", "Tshirts", "Watches"]
    assert state["heads"]["article_type.weight"].shape == (3, 1280)
    assert state["heads"]["colour.weight"].shape == (4, 1280)


def test_ids_of_a_held_out_csv_are_left_out_of_training(photos, tmp_path):
    csv_path = write_items_csv(photos, tmp_path / "items.csv")
    held_out = tmp_path / "held_out.csv"
    with open(csv_path) as fh:
        lines = fh.read().splitlines()
    held_out.write_text("\n".join(lines[:3]) + "\n")  # header + ids 100, 101

    dataset, _, _ = collect_photos(tiny_config(photos, tmp_path / "x.pt", csv=str(csv_path), exclude_csv=str(held_out)))

    assert sorted(p.name for p in dataset.paths)[:2] == ["102.jpg", "103.jpg"]
    assert len(dataset) == 10


def test_a_supervised_run_without_labels_is_refused(photos, tmp_path):
    with pytest.raises(ValueError, match="--csv"):
        finetune(tiny_config(photos, tmp_path / "sup.pt", supervised=True))


def test_an_input_size_the_trunk_cannot_halve_five_times_is_refused(photos, tmp_path):
    with pytest.raises(ValueError, match="multiple of 32"):
        finetune(tiny_config(photos, tmp_path / "x.pt", input_size=100))


def test_the_command_line_reports_a_missing_folder_without_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--images", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.pt"), "--no-progress"])

    assert exit_info.value.code == 2
    assert "nowhere is not a folder" in capsys.readouterr().err


def test_the_loss_curve_is_drawn_as_a_png(tmp_path, one_epoch):
    path = draw_loss_curve(one_epoch.step_losses, one_epoch.epoch_losses, tmp_path / "loss.png", steps_per_epoch=3)

    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (640, 360)
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 16)) > 2


def test_neighbour_precision_counts_neighbours_with_the_same_label():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])

    assert neighbour_precision(vectors, ["a", "a", "b", "b"], k=1) == 1.0
    assert neighbour_precision(vectors, ["a", "b", "a", "b"], k=1) == 0.0
