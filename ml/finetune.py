"""Fine-tune the image encoder as the encoder half of an autoencoder on product photos (the main reference's method).

The trunk (Lite0 or ResNet50) encodes a photo to its last feature map; a decoder of upsampling convolutions turns
that back into the photo, and the mean squared error between the two (in the network's normalised input space) is
the loss. The stem and the first ``frozen_stages`` stages keep their ImageNet weights (and batch-norm statistics):
they hold generic edges and textures, and a few hundred photos would only wear them down. ``--supervised`` adds
articleType and baseColour classification heads on the pooled features as a second loss, labels from items.csv.

    python -m ml.finetune --images DIR --out CKPT [--csv items.csv] [--epochs N] [--resume] [--supervised]

Every epoch writes the checkpoint (atomically) and a PNG grid of inputs over reconstructions; ``--resume`` picks
up after the last finished epoch. The checkpoint loads as ``ImageEncoder(weights=CKPT)``; ``--export`` also writes
the trunk alone in fp16 (what ml/weights/ may hold). Runs are deterministic for a seed on one machine: the
shuffle order of each epoch comes from ``seed + epoch``, so a resumed run sees what an uninterrupted one would.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch import nn

from ml.encoders import (
    BACKBONES,
    CHECKPOINT_FORMAT,
    Backbone,
    ImageEncoder,
    build_backbone,
    load_checkpoint,
    resolve_device,
)
from ml.images import ImageLoadError, to_uint8_array

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
IGNORE = -100


@dataclass
class FinetuneConfig:
    images: str
    out: str
    csv: str | None = None
    epochs: int = 3
    resume: bool = False
    supervised: bool = False
    backbone: str = "efficientnet_lite0"
    weights: str | None = None
    input_size: int = 128
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    frozen_stages: int = 3
    supervised_weight: float = 0.5
    limit: int | None = None
    exclude_csv: str | None = None
    seed: int = 0
    device: str = "auto"
    samples: str | None = None
    export: str | None = None
    progress: bool = True


@dataclass
class FinetuneResult:
    checkpoint: Path
    epochs_done: int
    epoch_losses: list[float]
    step_losses: list[float] = field(default_factory=list)
    samples: Path | None = None


class Decoder(nn.Module):
    """Feature map at 1/32 of the input -> image: five (upsample x2, 3x3 conv, BN, ReLU) steps and a 3x3 conv."""

    def __init__(self, in_channels: int, widths: Sequence[int] = (256, 128, 64, 32, 16)) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 1)]
        previous = widths[0]
        for width in widths:
            layers += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(previous, width, 3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
            previous = width
        layers.append(nn.Conv2d(previous, 3, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, fmap: torch.Tensor) -> torch.Tensor:
        return self.net(fmap)


class PhotoSet(torch.utils.data.Dataset):
    """Photos as (3, s, s) uint8 tensors padded on white, with articleType/baseColour label indices (or IGNORE)."""

    def __init__(self, paths: list[Path], size: int, types: list[int], colours: list[int]) -> None:
        self.paths, self.size, self.types, self.colours = paths, size, types, colours

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, int]:
        array = to_uint8_array(self.paths[index], self.size)
        return torch.from_numpy(array).permute(2, 0, 1).contiguous(), self.types[index], self.colours[index]


def collect_photos(config: FinetuneConfig) -> tuple[PhotoSet, list[str], list[str]]:
    """The training photos: every image in --images, or with --csv the rows whose ``<id>.jpg`` is there."""
    folder = Path(config.images)
    if not folder.is_dir():
        raise FileNotFoundError(f"--images {folder} is not a folder of photos")
    type_names: list[str] = []
    colour_names: list[str] = []
    if config.csv:
        from ml.data import iter_styles

        held_out = {row.id for row in iter_styles(config.exclude_csv)} if config.exclude_csv else set()
        rows = [r for r in iter_styles(config.csv) if r.id not in held_out and (folder / f"{r.id}.jpg").is_file()]
        if config.limit:
            rows = rows[: config.limit]
        type_names = sorted({r.article_type for r in rows if r.article_type})
        colour_names = sorted({r.base_colour for r in rows if r.base_colour})
        paths = [folder / f"{r.id}.jpg" for r in rows]
        types = [type_names.index(r.article_type) if r.article_type else IGNORE for r in rows]
        colours = [colour_names.index(r.base_colour) if r.base_colour else IGNORE for r in rows]
    else:
        if config.supervised:
            raise ValueError("--supervised needs --csv items.csv for the articleType and baseColour labels")
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if config.limit:
            paths = paths[: config.limit]
        types = colours = [IGNORE] * len(paths)
    if not paths:
        raise ValueError(f"no photos found in {folder}")
    return PhotoSet(paths, config.input_size, types, colours), type_names, colour_names


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def freeze_prefix(encoder: ImageEncoder, frozen_stages: int) -> list[nn.Module]:
    """Freeze the stem and the first ``frozen_stages`` stages; returns the frozen modules (kept in eval mode)."""
    frozen = encoder.model.stages[: 1 + frozen_stages]
    for module in frozen:
        for parameter in module.parameters():
            parameter.requires_grad_(False)
    return frozen


def save_atomically(payload: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def export_encoder(checkpoint: Path | str, out: Path | str) -> Path:
    """Write the trunk of a fine-tuning checkpoint alone, in fp16: the file ml/weights/ holds, loadable as weights=."""
    payload = load_checkpoint(Path(checkpoint))
    encoder = {k: v.half() if v.is_floating_point() else v for k, v in payload["encoder"].items()}
    slim = {key: payload[key] for key in ("format", "backbone", "input_size", "epoch", "config")}
    save_atomically({**slim, "encoder": encoder}, Path(out))
    return Path(out)


def _denormalise(x: torch.Tensor, encoder: ImageEncoder) -> torch.Tensor:
    mean, std = encoder._mean.to(x.device), encoder._std.to(x.device)
    return (x.float() * std + mean).clamp(0, 255).to(torch.uint8)


def save_sample_grid(originals: torch.Tensor, reconstructions: torch.Tensor, path: Path) -> Path:
    """Inputs on the top row, their reconstructions underneath, as one PNG."""
    n, _, size, _ = originals.shape
    grid = Image.new("RGB", (n * size, 2 * size), "white")
    for i in range(n):
        for row, batch in enumerate((originals, reconstructions)):
            tile = Image.fromarray(batch[i].permute(1, 2, 0).cpu().numpy())
            grid.paste(tile, (i * size, row * size))
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.save(path)
    return path


def draw_loss_curve(step_losses: Sequence[float], epoch_losses: Sequence[float], path: Path, *, steps_per_epoch: int) -> Path:
    """A small line chart of the training loss per step (grey) and per epoch (blue dots), drawn with Pillow."""
    width, height, margin = 640, 360, 48
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    values = list(step_losses) or list(epoch_losses)
    top, bottom = max(values), min(values)
    span = (top - bottom) or 1.0

    def xy(step: float, value: float) -> tuple[float, float]:
        x = margin + (width - 2 * margin) * step / max(1, len(step_losses) - 1 if step_losses else 1)
        y = height - margin - (height - 2 * margin) * (value - bottom) / span
        return x, y

    draw.rectangle((margin, margin, width - margin, height - margin), outline=(180, 180, 180))
    if len(step_losses) > 1:
        draw.line([xy(i, v) for i, v in enumerate(step_losses)], fill=(150, 150, 150), width=1)
    for epoch, value in enumerate(epoch_losses, start=1):
        x, y = xy(epoch * steps_per_epoch - 1, value)
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=(30, 90, 200))
        draw.text((x - 30, y - 18), f"e{epoch} {value:.3f}", fill=(30, 90, 200))
    draw.text((margin, 14), "training loss per step (grey), mean per epoch (blue)", fill="black")
    draw.text((4, margin - 6), f"{top:.3f}", fill="black")
    draw.text((4, height - margin - 6), f"{bottom:.3f}", fill="black")
    draw.text((width - margin - 60, height - margin + 8), f"step {len(step_losses)}", fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def finetune(config: FinetuneConfig) -> FinetuneResult:
    """Train (or resume) and return where the checkpoint is and the loss history."""
    if config.backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {config.backbone!r}; choose one of {', '.join(BACKBONES)}")
    if config.input_size % 32:
        raise ValueError(f"--input-size must be a multiple of 32 (the trunk downsamples by 32), got {config.input_size}")
    out = Path(config.out)
    samples_path = Path(config.samples) if config.samples else out.with_name(f"{out.stem}-samples.png")
    seed_everything(config.seed)
    device = resolve_device(config.device)
    dataset, type_names, colour_names = collect_photos(config)

    encoder = ImageEncoder(config.backbone, input_size=config.input_size, weights=config.weights, device="cpu")
    backbone = encoder.model.to(device)
    encoder._mean, encoder._std = encoder._mean.to(device), encoder._std.to(device)
    frozen = freeze_prefix(encoder, config.frozen_stages)
    decoder = Decoder(backbone.dim).to(device)
    heads = nn.ModuleDict()
    if config.supervised:
        heads["article_type"] = nn.Linear(backbone.dim, len(type_names))
        heads["colour"] = nn.Linear(backbone.dim, len(colour_names))
    heads = heads.to(device)
    trainable = [p for p in backbone.parameters() if p.requires_grad] + list(decoder.parameters()) + list(heads.parameters())
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    use_amp = device.type == "cuda"
    amp_dtype = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp and amp_dtype == torch.float16)

    start_epoch, epoch_losses, step_losses = 0, [], []
    if config.resume and out.is_file():
        state = load_checkpoint(out)
        if state.get("format") != CHECKPOINT_FORMAT or state["backbone"] != config.backbone:
            raise ValueError(f"{out} is not a {config.backbone} fine-tuning checkpoint; cannot resume from it")
        if state["input_size"] != config.input_size or bool(state["heads"]) != config.supervised:
            raise ValueError(f"{out} was trained with other settings ({state['config']}); resume with the same ones")
        backbone.load_trunk(state["encoder"])
        decoder.load_state_dict(state["decoder"])
        if state["heads"]:
            heads.load_state_dict(state["heads"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch, epoch_losses, step_losses = state["epoch"], state["epoch_losses"], state["step_losses"]

    sample_batch = torch.stack([dataset[i][0] for i in range(min(8, len(dataset)))]).to(device)
    for epoch in range(start_epoch, config.epochs):
        generator = torch.Generator().manual_seed(config.seed + epoch)
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=config.batch_size, shuffle=True, generator=generator, num_workers=0, drop_last=False
        )
        backbone.train()
        for module in frozen:
            module.eval()
        decoder.train()
        heads.train()
        total, count = 0.0, 0
        progress = _progress(loader, f"epoch {epoch + 1}/{config.epochs}", config.progress)
        for pixels, types, colours in progress:
            pixels = pixels.to(device, non_blocking=True)
            flip = torch.rand(len(pixels), generator=generator) < 0.5
            pixels[flip] = pixels[flip].flip(-1)
            x = encoder._normalise(pixels)
            with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
                fmap = backbone.forward_features(x)
                loss = nn.functional.mse_loss(decoder(fmap).float(), x)
                if config.supervised:
                    pooled = fmap.mean(dim=(2, 3))
                    supervised = _masked_ce(heads["article_type"](pooled), types.to(device)) + _masked_ce(
                        heads["colour"](pooled), colours.to(device)
                    )
                    loss = loss + config.supervised_weight * supervised
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step_losses.append(float(loss.detach()))
            total += step_losses[-1] * len(pixels)
            count += len(pixels)
            if hasattr(progress, "set_postfix"):
                progress.set_postfix(loss=f"{step_losses[-1]:.4f}")
        epoch_losses.append(total / count)
        save_atomically(
            {
                "format": CHECKPOINT_FORMAT,
                "backbone": config.backbone,
                "input_size": config.input_size,
                "epoch": epoch + 1,
                "epoch_losses": epoch_losses,
                "step_losses": step_losses,
                "encoder": backbone.trunk_state_dict(),
                "decoder": decoder.state_dict(),
                "heads": heads.state_dict() if config.supervised else {},
                "labels": {"article_type": type_names, "colour": colour_names},
                "optimizer": optimizer.state_dict(),
                "config": {k: v for k, v in asdict(config).items() if k != "progress"},
            },
            out,
        )
        _write_samples(backbone, decoder, encoder, sample_batch, samples_path, amp_dtype, use_amp)
    if config.export:
        export_encoder(out, config.export)
    return FinetuneResult(out, max(start_epoch, config.epochs), epoch_losses, step_losses, samples_path)


def _masked_ce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    if (labels == IGNORE).all():
        return logits.sum() * 0.0
    return nn.functional.cross_entropy(logits.float(), labels, ignore_index=IGNORE)


@torch.no_grad()
def _write_samples(backbone: Backbone, decoder: nn.Module, encoder: ImageEncoder, batch: torch.Tensor, path: Path,
                   amp_dtype: torch.dtype, use_amp: bool) -> None:
    backbone.eval()
    decoder.eval()
    with torch.autocast(batch.device.type, dtype=amp_dtype, enabled=use_amp):
        reconstruction = decoder(backbone.forward_features(encoder._normalise(batch)))
    save_sample_grid(batch, _denormalise(reconstruction, encoder), path)


T = TypeVar("T")


def _progress(iterable: Iterable[T], description: str, enabled: bool) -> Iterable[T]:
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=description, leave=False, file=sys.stderr)


def neighbour_precision(vectors: np.ndarray, labels: Sequence[str], *, k: int = 10) -> float:
    """Mean share of each item's k nearest neighbours (cosine, itself excluded) that carry the same label."""
    labels_arr = np.asarray(labels)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    scores = unit @ unit.T
    np.fill_diagonal(scores, -np.inf)
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    return float((labels_arr[top] == labels_arr[:, None]).mean())


def compare_precision(
    *, data: Path | str, checkpoint: Path | str | None, input_size: int, k: int = 10, backbone: str = "efficientnet_lite0"
) -> dict[str, float]:
    """articleType precision@k of nearest neighbours on a styles-format set: pretrained vs a fine-tuned checkpoint."""
    from ml.data import load_styles

    items = load_styles(data)
    paths = [item.image_path(data) for item in items]
    labels = [item.article_type for item in items]
    result = {}
    for name, weights in (("pretrained", None), ("finetuned", checkpoint)):
        if name == "finetuned" and checkpoint is None:
            continue
        encoder = ImageEncoder(backbone, input_size=input_size, weights=weights, device="auto")
        result[name] = neighbour_precision(encoder.embed(paths), labels, k=k)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.finetune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", required=True, help="folder of photos (the dataset's images/ folder)")
    parser.add_argument("--out", required=True, help="checkpoint path, written after every epoch")
    parser.add_argument("--csv", help="items.csv in the styles format: train on its rows, labels for --supervised")
    parser.add_argument("--epochs", type=int, default=3, help="total epochs (with --resume, including those done)")
    parser.add_argument("--resume", action="store_true", help="continue from --out if it exists")
    parser.add_argument("--supervised", action="store_true", help="add articleType + baseColour heads as a 2nd loss")
    parser.add_argument("--backbone", choices=BACKBONES, default="efficientnet_lite0")
    parser.add_argument("--weights", help="starting weights (default: the backbone's ImageNet weights)")
    parser.add_argument("--input-size", type=int, default=128, help="a multiple of 32")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--frozen-stages", type=int, default=3, help="stages after the stem that stay frozen")
    parser.add_argument("--supervised-weight", type=float, default=0.5)
    parser.add_argument("--limit", type=int, help="use only the first N photos")
    parser.add_argument("--exclude-csv", help="skip the ids of this styles CSV (hold out an evaluation set)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--samples", help="PNG of reconstructions (default: next to --out)")
    parser.add_argument("--loss-curve", help="also draw the loss curve to this PNG")
    parser.add_argument("--export", help="also write the fp16 trunk alone here (for ml/weights/)")
    parser.add_argument("--eval-data", help="styles-format folder: print articleType P@10, pretrained vs fine-tuned")
    parser.add_argument("--no-progress", action="store_true")
    args = vars(parser.parse_args(argv))
    loss_curve, eval_data = args.pop("loss_curve"), args.pop("eval_data")
    args["progress"] = not args.pop("no_progress")
    config = FinetuneConfig(**args)
    try:
        result = finetune(config)
    except (FileNotFoundError, ValueError, ImageLoadError) as exc:
        parser.exit(2, f"error: {exc}\n")
    print(f"checkpoint {result.checkpoint} after epoch {result.epochs_done}")
    for epoch, loss in enumerate(result.epoch_losses, start=1):
        print(f"epoch {epoch}: mean loss {loss:.5f}")
    print(f"reconstructions {result.samples}")
    if loss_curve:
        steps = -(-len(collect_photos(config)[0]) // config.batch_size)
        print(f"loss curve {draw_loss_curve(result.step_losses, result.epoch_losses, Path(loss_curve), steps_per_epoch=steps)}")
    if eval_data:
        scores = compare_precision(data=eval_data, checkpoint=result.checkpoint, input_size=config.input_size,
                                   backbone=config.backbone)
        for name, value in scores.items():
            print(f"articleType precision@10 ({name}): {value:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
