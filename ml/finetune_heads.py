"""Supervised fine-tuning of the image trunk on a shop's own labelled catalogue, practical on a 2-core CPU.

Heads for articleType, baseColour, gender and usage (any column a catalogue fills) sit on the trunk's pooled
features, the vector the site embeds with, so training them pulls photos of one type, colour and audience
together in exactly the space find-similar, auto-tag and the closet's gender read. Every epoch each training photo
is drawn anew by ``ml.augment`` (a catalogue photo, an imperfect cut-out on white or an uncut scene, under other
light), so a home photo and the catalogue photo of one product land together.

Why it is cheap: the stem and the first ``frozen_stages`` stages keep their ImageNet weights and run without
gradients, as a BatchNorm-folded inference copy (in bf16 where the CPU has fast bf16), once per augmented view;
only the later stages, the head convolution and the heads train. With Lite0 at 96 px and four stages frozen, the
shipped recipe, caching 4 views of ~27k photos takes about 4 minutes and an epoch under 2 on two cores
(docs/finetune.md has the measured seconds and why four).

The split is ``ml.data.split_of``: "train" items are trained on, "validation" items choose the best epoch, and
"evaluation" items (the offline evaluation's queries and closets) are never read. A catalogue without that
convention (a shop's inventory through ``manage.py finetune_encoder``) uses the same hash of its ids.

    python -m ml.finetune_heads --data DIR --out CKPT [--epochs N] [--resume] [--export FP16]

The checkpoint (and its fp16 export) loads as ``ImageEncoder(weights=...)``, like ``ml.finetune``'s.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ml.augment import augment
from ml.data import StyleItem, load_styles, split_of
from ml.encoders import (BACKBONES, CHECKPOINT_FORMAT, ImageEncoder, cpu_conv_fusion_available, cpu_has_fast_bf16,
                         fold_batchnorm, load_checkpoint, resolve_device)
from ml.finetune import IGNORE, export_encoder, neighbour_precision, save_atomically, seed_everything
from ml.images import ImageSource, load_image

LABEL_FIELDS = ("article_type", "base_colour", "gender", "usage")
LOSS_WEIGHTS = {"article_type": 1.0, "base_colour": 0.5, "gender": 0.3, "usage": 0.3}
MIN_CLASS_ITEMS = 3  # a label with fewer training photos is ignored: a class of one teaches the head nothing


@dataclass
class HeadsConfig:
    data: str
    out: str
    epochs: int = 8
    views: int = 4
    resume: bool = False
    backbone: str = "efficientnet_lite0"
    weights: str | None = None
    input_size: int = 96
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    frozen_stages: int = 4  # the shipped trunk's recipe (docs/finetune.md): 6 and 5 frozen stages scored lower
    label_smoothing: float = 0.1
    limit: int | None = None
    seed: int = 0
    device: str = "auto"
    export: str | None = None
    progress: bool = True


@dataclass
class HeadsResult:
    checkpoint: Path
    best_epoch: int
    history: list[dict] = field(default_factory=list)
    export: Path | None = None


@dataclass
class LabelledPhotos:
    """Catalogue photos of one split in memory (native size, they are small) with their masks and label indices."""

    items: list[StyleItem]
    rgb: list[np.ndarray]
    masks: list[np.ndarray]
    labels: np.ndarray  # (n, len(LABEL_FIELDS)) int64, IGNORE where unknown or rare


def label_names(items: Sequence[StyleItem]) -> dict[str, list[str]]:
    """Each field's classes: the values at least ``MIN_CLASS_ITEMS`` training items carry, sorted."""
    names = {}
    for name in LABEL_FIELDS:
        counts = Counter(getattr(item, name) for item in items if getattr(item, name))
        names[name] = sorted(v for v, c in counts.items() if c >= MIN_CLASS_ITEMS)
    return names


@dataclass(frozen=True)
class Catalogue:
    """Labelled photos to train on: styles-format rows and how to read each one's photo (a dataset folder's
    ``images/<id>.jpg``, or a shop's stored inventory photos through ``manage.py finetune_encoder``)."""

    items: list[StyleItem]
    read: Callable[[StyleItem], ImageSource]
    name: str

    @classmethod
    def from_folder(cls, root: Path | str) -> Catalogue:
        root = Path(root)
        if not (root / "items.csv").is_file():
            raise FileNotFoundError(f"{root}: no items.csv here; it must be a styles-format dataset folder")
        return cls(load_styles(root), lambda item: item.image_path(root), str(root))


def load_photos(catalogue: Catalogue, items: Sequence[StyleItem], names: dict[str, list[str]]) -> LabelledPhotos:
    from ml.masks import foreground

    rgb, masks = [], []
    for item in items:
        array = np.asarray(load_image(catalogue.read(item)), dtype=np.uint8)
        rgb.append(array)
        masks.append(foreground(array).mask)
    index = {name: {v: i for i, v in enumerate(values)} for name, values in names.items()}
    labels = np.array([[index[name].get(getattr(item, name), IGNORE) for name in LABEL_FIELDS] for item in items],
                      dtype=np.int64).reshape(len(items), len(LABEL_FIELDS))
    return LabelledPhotos(list(items), rgb, masks, labels)


def split_items(items: Sequence[StyleItem], split: str, limit: int | None = None) -> list[StyleItem]:
    chosen = [item for item in items if split_of(item.id) == split]
    return chosen[:limit] if limit else chosen


class Trainer:
    """The frozen prefix, the trainable tail and heads, and the steps over them."""

    def __init__(self, config: HeadsConfig, names: dict[str, list[str]]) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        self.encoder = ImageEncoder(config.backbone, input_size=config.input_size, weights=config.weights,
                                    device="cpu", precision="fp32")
        # channels_last: the tail's 1x1 convolutions train about 1.4x faster on CPU in that layout (measured)
        self.backbone = self.encoder.model.to(self.device, memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.mean, self.std = self.encoder._mean.to(self.device), self.encoder._std.to(self.device)
        self.cut = 1 + config.frozen_stages  # stages [0, cut) are frozen
        if not 1 <= self.cut < len(self.backbone.stages):
            raise ValueError(f"--frozen-stages must be between 0 and {len(self.backbone.stages) - 2}")
        for stage in self.backbone.stages[: self.cut]:
            stage.requires_grad_(False)
        self.heads = nn.ModuleDict({name: nn.Sequential(nn.Dropout(0.2), nn.Linear(self.backbone.dim, len(values)))
                                    for name, values in names.items() if values}).to(self.device)
        trainable = [p for p in self.backbone.parameters() if p.requires_grad] + list(self.heads.parameters())
        self.optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
        self.prefix_dtype = torch.bfloat16 if self.device.type == "cuda" or cpu_has_fast_bf16() else torch.float32
        # The frozen prefix never changes, so it runs as an inference copy: BatchNorm folded into the convolutions
        # (with oneDNN's conv + ReLU6 fusion where there is one) and channels_last, about 5x the eager CPU speed.
        with torch.no_grad():
            prefix = copy.deepcopy(self.backbone).eval()
            if self.device.type == "cpu":
                prefix = fold_batchnorm(prefix, fuse_activations=cpu_conv_fusion_available())
            self.prefix_net = prefix.requires_grad_(False).to(memory_format=torch.channels_last)

    def _normalise(self, batch: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(batch).to(self.device).permute(0, 3, 1, 2).float()  # a channels_last view
        return ((x - self.mean) / self.std).contiguous(memory_format=torch.channels_last)

    def _prefix(self, batch: np.ndarray) -> torch.Tensor:
        with torch.no_grad(), torch.autocast(self.device.type, dtype=self.prefix_dtype,
                                             enabled=self.prefix_dtype != torch.float32):
            return self.prefix_net.run_stages(self._normalise(batch), 0, self.cut).float()

    def train_mode(self) -> None:
        self.backbone.train()
        for stage in self.backbone.stages[: self.cut]:
            stage.eval()  # the frozen stages keep their ImageNet batch-norm statistics
        self.heads.train()

    def prefix_features(self, batch: np.ndarray) -> torch.Tensor:
        """What the frozen prefix makes of a uint8 batch, in fp16: the cached input of every later epoch."""
        return self._prefix(batch).half()

    def step(self, features: torch.Tensor, labels: np.ndarray, lr: float) -> float:
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        x = features.to(self.device).float().contiguous(memory_format=torch.channels_last)
        pooled = self.backbone.run_stages(x, self.cut).mean(dim=(2, 3))
        target = torch.from_numpy(labels).to(self.device)
        loss = pooled.sum() * 0.0
        for column, name in enumerate(LABEL_FIELDS):
            if name in self.heads and (target[:, column] != IGNORE).any():
                loss = loss + LOSS_WEIGHTS[name] * nn.functional.cross_entropy(
                    self.heads[name](pooled), target[:, column], ignore_index=IGNORE,
                    label_smoothing=self.config.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())

    @torch.no_grad()
    def pooled(self, batch: np.ndarray) -> torch.Tensor:
        self.backbone.eval()
        return self.backbone.run_stages(self._prefix(batch), self.cut).mean(dim=(2, 3))


def _clean_batch(photos: LabelledPhotos, positions: Sequence[int], size: int) -> np.ndarray:
    from ml.images import square_resize
    from PIL import Image

    return np.stack([np.asarray(square_resize(Image.fromarray(photos.rgb[i]), size)) for i in positions])


def _augmented_batch(photos: LabelledPhotos, positions: Sequence[int], size: int, rng: np.random.Generator,
                     kind: str | None = None) -> np.ndarray:
    textures = rng.integers(0, len(photos.rgb), size=len(positions))
    return np.stack([augment(photos.rgb[i], photos.masks[i], size=size, rng=rng, kind=kind,
                             texture=photos.rgb[t]) for i, t in zip(positions, textures)])


def validate(trainer: Trainer, photos: LabelledPhotos, *, seed: int, batch_size: int) -> dict[str, float]:
    """articleType P@10 among the validation photos: clean to clean, and augmented scenes against the clean ones
    (a home-like query finding catalogue photos), plus each head's top-1 on the clean photos."""
    size = trainer.config.input_size
    rng = np.random.default_rng([seed, 99])
    clean: list[np.ndarray] = []
    scene: list[np.ndarray] = []
    logits: dict[str, list[np.ndarray]] = {name: [] for name in trainer.heads}
    for start in range(0, len(photos.items), batch_size):
        positions = range(start, min(start + batch_size, len(photos.items)))
        pooled = trainer.pooled(_clean_batch(photos, positions, size))
        clean.append(pooled.cpu().numpy())
        for name, head in trainer.heads.items():
            head.eval()
            logits[name].append(head(pooled).argmax(dim=1).cpu().numpy())
        scene.append(trainer.pooled(_augmented_batch(photos, positions, size, rng, kind="scene")).cpu().numpy())
    clean_v, scene_v = np.concatenate(clean), np.concatenate(scene)
    types = [item.article_type for item in photos.items]
    result = {"p10_clean": neighbour_precision(clean_v, types)}
    unit_c = clean_v / np.linalg.norm(clean_v, axis=1, keepdims=True)
    unit_s = scene_v / np.linalg.norm(scene_v, axis=1, keepdims=True)
    scores = unit_s @ unit_c.T
    np.fill_diagonal(scores, -np.inf)
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    labels = np.asarray(types)
    result["p10_scene_to_clean"] = float((labels[top] == labels[:, None]).mean())
    for column, name in enumerate(LABEL_FIELDS):
        if name in logits:
            known = photos.labels[:, column] != IGNORE
            predicted = np.concatenate(logits[name])
            result[f"top1_{name}"] = float((predicted[known] == photos.labels[known, column]).mean())
    return result


def cache_views(trainer: Trainer, photos: LabelledPhotos, config: HeadsConfig) -> torch.Tensor:
    """(views, n, ...) fp16 prefix features of ``config.views`` augmented draws of every training photo.

    The prefix is frozen, so its output for a drawn photo never changes: computing it once per view and training
    the tail over the cache for every epoch costs a fraction of running the whole prefix every epoch (on two
    cores the prefix is most of the time), at the price of ``views`` draws per photo instead of one per epoch.
    """
    started = time.perf_counter()
    n, size = len(photos.items), config.input_size
    out: torch.Tensor | None = None
    jobs = [(v, first) for v in range(config.views) for first in range(0, n, config.batch_size)]

    def draw(job: tuple[int, int]) -> np.ndarray:
        view, first = job
        positions = range(first, min(first + config.batch_size, n))
        return _augmented_batch(photos, positions, size, np.random.default_rng([config.seed, 1_000 + view, first]))

    with ThreadPoolExecutor(max_workers=1) as pool:  # the next batch is drawn while this one runs
        upcoming = pool.submit(draw, jobs[0])
        for j, (view, first) in enumerate(jobs):
            batch = upcoming.result()
            if j + 1 < len(jobs):
                upcoming = pool.submit(draw, jobs[j + 1])
            features = trainer.prefix_features(batch)
            if out is None:
                out = torch.empty((config.views, n, *features.shape[1:]), dtype=torch.float16)
            out[view, first : first + len(features)] = features.cpu()
            if config.progress and j % 100 == 0:
                _say(config, f"  caching views: {j}/{len(jobs)} batches, {time.perf_counter() - started:.0f} s")
    _say(config, f"cached {config.views} views of {n} photos in {time.perf_counter() - started:.0f} s")
    assert out is not None
    return out


def train(config: HeadsConfig, catalogue: Catalogue | None = None) -> HeadsResult:
    """Train (or resume), choose the epoch by validation P@10 (clean + scene-to-clean), write and export it.

    ``catalogue`` defaults to the styles-format folder ``config.data``; only its "train" split is trained on and
    its "validation" split chooses the epoch (``ml.data.split_of``), so an "evaluation" item is never read.
    """
    if config.backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {config.backbone!r}; choose one of {', '.join(BACKBONES)}")
    catalogue = catalogue or Catalogue.from_folder(config.data)
    seed_everything(config.seed)
    train_items = split_items(catalogue.items, "train", config.limit)
    val_items = split_items(catalogue.items, "validation", config.limit and max(1, config.limit // 10))
    if not train_items or not val_items:
        raise ValueError(f"{catalogue.name}: {len(train_items)} training and {len(val_items)} validation items; "
                         "need both (about 1 item in 20 validates)")
    names = label_names(train_items)
    started = time.perf_counter()
    photos, held = load_photos(catalogue, train_items, names), load_photos(catalogue, val_items, names)
    _say(config, f"loaded {len(photos.items)} training and {len(held.items)} validation photos "
                 f"in {time.perf_counter() - started:.0f} s")
    trainer = Trainer(config, names)
    out = Path(config.out)
    best_path = out.with_name(f"{out.stem}-best{out.suffix}")
    history: list[dict] = []
    start_epoch = 0
    if config.resume and out.is_file():
        state = load_checkpoint(out)
        if state.get("format") != CHECKPOINT_FORMAT or state.get("method") != "heads":
            raise ValueError(f"{out} is not a heads fine-tuning checkpoint; cannot resume from it")
        trainer.backbone.load_trunk(state["encoder"])
        trainer.heads.load_state_dict(state["heads"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        start_epoch, history = state["epoch"], state["history"]
    steps_per_epoch = math.ceil(len(photos.items) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    warmup = min(100, total_steps // 10)
    if not history:
        history.append({"epoch": 0, **validate(trainer, held, seed=config.seed, batch_size=config.batch_size)})
        _say(config, json.dumps(history[-1]))
    views = cache_views(trainer, photos, config) if start_epoch < config.epochs else torch.empty(0)
    for epoch in range(start_epoch, config.epochs):
        epoch_started = time.perf_counter()
        rng = np.random.default_rng([config.seed, epoch])
        order = rng.permutation(len(photos.items))
        chosen_view = rng.integers(0, config.views, size=len(order))
        trainer.train_mode()
        losses = []
        for b, first in enumerate(range(0, len(order), config.batch_size)):
            positions = order[first : first + config.batch_size]
            step = epoch * steps_per_epoch + b
            lr = config.lr * (step + 1) / warmup if step < warmup else \
                config.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total_steps - warmup)))
            features = views[chosen_view[first : first + config.batch_size], positions]
            losses.append(trainer.step(features, photos.labels[positions], lr))
            if config.progress and b % 100 == 0:
                _say(config, f"  epoch {epoch + 1} step {b}/{steps_per_epoch} loss {np.mean(losses[-100:]):.3f}")
        train_s = time.perf_counter() - epoch_started
        scores = validate(trainer, held, seed=config.seed, batch_size=config.batch_size)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "train_s": train_s,
                        "s_per_epoch": time.perf_counter() - epoch_started, **scores})
        _say(config, json.dumps(history[-1]))
        payload = {
            "format": CHECKPOINT_FORMAT, "method": "heads", "backbone": config.backbone,
            "input_size": config.input_size, "epoch": epoch + 1, "history": history,
            "encoder": trainer.backbone.trunk_state_dict(), "heads": trainer.heads.state_dict(),
            "labels": names, "optimizer": trainer.optimizer.state_dict(),
            "config": {k: v for k, v in asdict(config).items() if k != "progress"},
        }
        save_atomically(payload, out)
        if _score(history[-1]) >= max(_score(h) for h in history):
            save_atomically({k: v for k, v in payload.items() if k != "optimizer"}, best_path)
    best = max(history, key=_score)
    if not best_path.is_file():  # resumed after the best epoch's file was removed: the last one stands in
        save_atomically({k: v for k, v in load_checkpoint(out).items() if k != "optimizer"}, best_path)
    exported = export_encoder(best_path, config.export) if config.export else None
    return HeadsResult(best_path, int(best["epoch"]), history, exported)


def _score(row: dict) -> float:
    return row["p10_clean"] + row["p10_scene_to_clean"]


def _say(config: HeadsConfig, message: str) -> None:
    if config.progress:
        print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.finetune_heads", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", required=True, help="styles-format dataset folder (items.csv + images/)")
    parser.add_argument("--out", required=True, help="checkpoint path, written after every epoch")
    parser.add_argument("--epochs", type=int, default=HeadsConfig.epochs)
    parser.add_argument("--views", type=int, default=HeadsConfig.views,
                        help="augmented draws of each training photo, run through the frozen prefix once")
    parser.add_argument("--resume", action="store_true", help="continue from --out if it exists")
    parser.add_argument("--backbone", choices=BACKBONES, default=HeadsConfig.backbone)
    parser.add_argument("--weights", help="starting weights (default: the backbone's ImageNet weights)")
    parser.add_argument("--input-size", type=int, default=HeadsConfig.input_size)
    parser.add_argument("--batch-size", type=int, default=HeadsConfig.batch_size)
    parser.add_argument("--lr", type=float, default=HeadsConfig.lr)
    parser.add_argument("--weight-decay", type=float, default=HeadsConfig.weight_decay)
    parser.add_argument("--frozen-stages", type=int, default=HeadsConfig.frozen_stages,
                        help="stages after the stem that keep their ImageNet weights")
    parser.add_argument("--label-smoothing", type=float, default=HeadsConfig.label_smoothing)
    parser.add_argument("--limit", type=int, help="use only the first N training photos (a tenth as many to validate)")
    parser.add_argument("--seed", type=int, default=HeadsConfig.seed)
    parser.add_argument("--device", default=HeadsConfig.device)
    parser.add_argument("--export", help="also write the best epoch's trunk alone in fp16 here (for ml/weights/)")
    parser.add_argument("--quiet", action="store_true")
    args = vars(parser.parse_args(argv))
    args["progress"] = not args.pop("quiet")
    try:
        result = train(HeadsConfig(**args))
    except (FileNotFoundError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    print(f"best epoch {result.best_epoch}: {result.checkpoint}" + (f", fp16 {result.export}" if result.export else ""))
    for row in result.history:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
