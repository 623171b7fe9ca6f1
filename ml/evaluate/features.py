"""The evaluation's features: image and text embeddings of every item, cached on disk by content checksum."""
from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ml.evaluate.data import Dataset
from ml.vectors import unit_rows


def bytes_checksum(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def file_checksum(path: Path) -> str:
    return bytes_checksum(path.read_bytes())


def text_checksum(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors on disk, one folder per model version, looked up by content checksum.

    A version string changes whenever the weights, input size or pooling change, so a stale vector is never
    reused; an image that changes gets a new checksum. Each chunk that gets embedded is written as its own part
    file at once, so an interrupted run keeps what it had finished.
    """

    def __init__(self, root: Path, *, chunk: int = 2048) -> None:
        self.root = Path(root)
        self.chunk = chunk

    def _folder(self, version: str) -> Path:
        return self.root / "".join(c if c.isalnum() or c in "-_." else "_" for c in version)

    def load(self, version: str) -> dict[str, np.ndarray]:
        known: dict[str, np.ndarray] = {}
        folder = self._folder(version)
        for part in sorted(folder.glob("part-*.npz")) if folder.is_dir() else []:
            with np.load(part, allow_pickle=False) as stored:
                known.update(zip(stored["keys"].tolist(), stored["vectors"]))
        return known

    def get(self, version: str, keys: Sequence[str], compute: Callable[[list[int]], np.ndarray]) -> np.ndarray:
        """Vectors for ``keys``; ``compute(positions)`` embeds the ones not cached yet, a chunk at a time."""
        known = self.load(version)
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in known:
                first.setdefault(k, i)
        missing = list(first.values())
        folder = self._folder(version)
        for start in range(0, len(missing), self.chunk):
            positions = missing[start : start + self.chunk]
            fresh = np.asarray(compute(positions), dtype=np.float32)
            folder.mkdir(parents=True, exist_ok=True)
            part_keys = [keys[i] for i in positions]
            name = f"part-{time.time_ns()}-{os.getpid()}"
            tmp = folder / f"{name}.tmp.npz"
            np.savez(tmp, keys=np.array(part_keys), vectors=fresh)
            os.replace(tmp, folder / f"{name}.npz")
            known.update(zip(part_keys, fresh))
            if len(missing) > self.chunk:
                print(f"  embedded {min(start + self.chunk, len(missing))}/{len(missing)} ({version})",
                      file=sys.stderr, flush=True)
        return np.stack([known[k] for k in keys]).astype(np.float32)


@dataclass(frozen=True)
class ImageSpec:
    """Which image vectors a configuration reads: the CNN's input size, pooling, raw or unit rows, and weights (a
    checkpoint ``ImageEncoder(weights=...)`` loads; None: the backbone's pretrained ones)."""

    input_size: int
    pooling: str
    raw: bool = False
    weights: str | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"input_size": self.input_size, "pooling": self.pooling, "raw": self.raw, "weights": self.weights}


def mask_step(mask: bool) -> str:
    """The home-photo cache key's second part: what was done to the photo before the encoder saw it. With the
    mask, a checksum of ml/masks.py's source, so a change to the background removal never reuses a stale vector."""
    if not mask:
        return "as-is"
    import ml.masks

    return "photo_for_embedding@" + hashlib.sha1(Path(ml.masks.__file__).read_bytes()).hexdigest()[:12]


def _poolings(stacked: np.ndarray, dim: int) -> dict[str, np.ndarray]:
    """The two halves of ``PooledFeatures._both_poolings``' rows by pooling."""
    return {"avg": stacked[:, :dim], "max": stacked[:, dim:]}


class PooledFeatures:
    """Average- and max-pooled image features from one forward pass per image (the expensive part), plus text.

    Both poolings come out of the same feature map, so the seed configurations (max pooling; raw average
    pooling) and ours (average pooling) cost one pass over the photos at each input size and weights. The same
    pass embeds home photos (``home_image``): ``ml.homephotos.home_photo_for_item`` of an item under the run's
    seed, through ``ml.masks.photo_for_embedding`` as the site embeds a closet photo (or as it is, ``mask=False``),
    cached in a version folder of their own keyed by the JPEG's checksum and the mask step.
    """

    def __init__(self, data: Dataset, *, cache: EmbeddingCache, device: str = "cpu", batch_size: int = 64,
                 cost_sample: int = 256, backbone: str = "efficientnet_lite0") -> None:
        self.data = data
        self.cache = cache
        self.device = device
        self.batch_size = batch_size
        self.cost_sample = cost_sample
        self.backbone = backbone
        self.embed_ms_per_item: dict[str, float] = {}
        # "generate": making a home photo; "<encoder>:<mask step>": masking (or not) and embedding one
        self.home_ms_per_item: dict[str, float] = {}
        self._raw: dict[tuple[int, str, str | None], np.ndarray] = {}
        self._encoders: dict[tuple[int, str | None], dict[str, Any]] = {}
        self._text: np.ndarray | None = None
        self._paths = [item.image_path(data.root) for item in data.items]
        self._image_keys: list[str] | None = None
        self._home_jpegs: dict[tuple[int, int], bytes] = {}

    def image(self, *, input_size: int, pooling: str, raw: bool = False, weights: str | None = None) -> np.ndarray:
        """(n, dim) image vectors; L2-normalised unless ``raw`` (the pooled activations as they come)."""
        if (input_size, pooling, weights) not in self._raw:
            self._embed_images(input_size, weights)
        vectors = self._raw[(input_size, pooling, weights)]
        return vectors if raw else unit_rows(vectors)

    def _encoder_pair(self, input_size: int, weights: str | None) -> dict[str, Any]:
        """The avg and max ImageEncoders of one input size and weights (one model; loaded once per run)."""
        from ml.encoders import ImageEncoder

        if (input_size, weights) not in self._encoders:
            self._encoders[(input_size, weights)] = {
                p: ImageEncoder(self.backbone, input_size=input_size, pooling=p, weights=weights, device=self.device,
                                batch_size=self.batch_size) for p in ("avg", "max")}
        return self._encoders[(input_size, weights)]

    def _both_poolings(self, input_size: int, weights: str | None, sources: list) -> np.ndarray:
        """(n, 2 * dim): the raw average- and max-pooled features of ``sources`` from one forward pass each."""
        import torch

        main = self._encoder_pair(input_size, weights)["avg"]
        model = main.model.eval()
        rows = []
        with torch.inference_mode():
            for _, batch, errors in main._batches(sources):
                if errors:
                    raise SystemExit(f"unreadable images: {errors}")
                fmap = model.forward_features(main._normalise(batch)).float()
                rows.append(torch.cat([fmap.mean(dim=(2, 3)), fmap.amax(dim=(2, 3))], dim=1).cpu().numpy())
        return np.concatenate(rows)

    def _embed_images(self, input_size: int, weights: str | None) -> None:
        encoders = self._encoder_pair(input_size, weights)
        main = encoders["avg"]

        def both(idx: list[int]) -> np.ndarray:
            return self._both_poolings(input_size, weights, [self._paths[i] for i in idx])

        if self._image_keys is None:
            self._image_keys = [file_checksum(p) for p in self._paths]
        version = f"{main.version}+avg,max,raw"
        self._time(version, both)
        for encoder in encoders.values():
            self.embed_ms_per_item[encoder.version] = self.embed_ms_per_item[version]
        stacked = self.cache.get(version, self._image_keys, both)
        for pooling, vectors in _poolings(stacked, main.dim).items():
            self._raw[(input_size, pooling, weights)] = vectors

    def home_jpegs(self, positions: Sequence[int] | np.ndarray, *, seed: int) -> list[bytes]:
        """The home photo (JPEG bytes) of each item, made once per run and seed and kept for every configuration."""
        from ml.homephotos import home_photo_for_item

        todo = [int(i) for i in positions if (seed, int(i)) not in self._home_jpegs]
        started = time.perf_counter()
        for n, i in enumerate(todo, start=1):
            item = self.data.items[i]
            self._home_jpegs[(seed, i)] = home_photo_for_item(self._paths[i], item.id, seed=seed).jpeg
            if n % 250 == 0 or (n == len(todo) and n >= 250):
                print(f"  home photos {n}/{len(todo)}", file=sys.stderr, flush=True)
        if todo:
            self.home_ms_per_item["generate"] = (time.perf_counter() - started) / len(todo) * 1000
        return [self._home_jpegs[(seed, int(i))] for i in positions]

    def home_image(self, positions: Sequence[int] | np.ndarray, *, seed: int, input_size: int, pooling: str,
                   raw: bool = False, weights: str | None = None, mask: bool = True) -> np.ndarray:
        """(len(positions), dim) vectors of the items' home photos, as ``image`` gives their catalogue photos."""
        import cv2

        from ml.masks import photo_for_embedding

        jpegs = self.home_jpegs(positions, seed=seed)
        step = mask_step(mask)
        main = self._encoder_pair(input_size, weights)["avg"]
        version = f"{main.version}+avg,max,raw+home"
        keys = [bytes_checksum(j) for j in jpegs]

        def prepared(i: int) -> Any:
            if not mask:
                return jpegs[i]
            # GrabCut's initial clustering draws from OpenCV's global RNG, so the same photo can get a slightly
            # different cut on each call; seeding it from the photo keeps a cold cache reproducible.
            cv2.setRNGSeed(int(keys[i][:7], 16))
            return photo_for_embedding(jpegs[i])

        def embed(idx: list[int]) -> np.ndarray:
            started = time.perf_counter()
            rows = []
            for start in range(0, len(idx), self.batch_size):  # a batch of cut-outs in memory at a time
                part = idx[start : start + self.batch_size]
                rows.append(self._both_poolings(input_size, weights, [prepared(i) for i in part]))
                if len(idx) > 250 and (start // self.batch_size) % 4 == 3:
                    print(f"  home photos embedded {start + len(part)}/{len(idx)}", file=sys.stderr, flush=True)
            if idx:
                self.home_ms_per_item[f"{main.version}:{step}"] = (time.perf_counter() - started) / len(idx) * 1000
            return np.concatenate(rows)

        stacked = self.cache.get(version, [f"{key}:{step}" for key in keys], embed)
        vectors = _poolings(stacked, main.dim)[pooling]
        return vectors if raw else unit_rows(vectors)

    def text(self) -> np.ndarray:
        """(n, 384) SBERT vectors of each item's display name (an empty name gives a zero row)."""
        if self._text is None:
            from ml.encoders import TextEncoder

            encoder = TextEncoder(device=self.device)
            texts = [item.name for item in self.data.items]
            self._time(encoder.version, lambda idx: encoder.embed([texts[i] for i in idx]))
            self._text = self.cache.get(encoder.version, [text_checksum(t) for t in texts],
                                        lambda idx: encoder.embed([texts[i] for i in idx]))
        return self._text

    def _time(self, version: str, embed: Callable[[list[int]], np.ndarray]) -> None:
        n = min(self.cost_sample, len(self.data))
        embed(list(range(min(8, n))))  # model load and first-call overhead are not a per-item cost
        start = time.perf_counter()
        embed(list(range(n)))
        self.embed_ms_per_item[version] = (time.perf_counter() - start) / n * 1000
