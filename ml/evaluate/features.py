"""The evaluation's features: image and text embeddings of every item, cached on disk by content checksum."""
from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ml.evaluate.data import Dataset
from ml.vectors import unit_rows


def file_checksum(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


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


class PooledFeatures:
    """Average- and max-pooled image features from one forward pass per image (the expensive part), plus text.

    Both poolings come out of the same feature map, so the seed configurations (max pooling; raw average
    pooling) and ours (average pooling) cost one pass over the photos at each input size.
    """

    def __init__(self, data: Dataset, *, cache: EmbeddingCache, device: str = "cpu", batch_size: int = 64,
                 cost_sample: int = 256) -> None:
        self.data = data
        self.cache = cache
        self.device = device
        self.batch_size = batch_size
        self.cost_sample = cost_sample
        self.embed_ms_per_item: dict[str, float] = {}
        self._raw: dict[tuple[int, str], np.ndarray] = {}
        self._text: np.ndarray | None = None
        self._paths = [item.image_path(data.root) for item in data.items]
        self._image_keys: list[str] | None = None

    def image(self, *, input_size: int, pooling: str, raw: bool = False) -> np.ndarray:
        """(n, dim) image vectors; L2-normalised unless ``raw`` (the pooled activations as they come)."""
        if (input_size, pooling) not in self._raw:
            self._embed_images(input_size)
        vectors = self._raw[(input_size, pooling)]
        return vectors if raw else unit_rows(vectors)

    def _embed_images(self, input_size: int) -> None:
        import torch

        from ml.encoders import ImageEncoder

        encoders = {p: ImageEncoder("efficientnet_lite0", input_size=input_size, pooling=p, device=self.device,
                                    batch_size=self.batch_size) for p in ("avg", "max")}
        main = encoders["avg"]
        model = main.model.eval()

        @torch.inference_mode()
        def both(paths: list) -> np.ndarray:
            rows = []
            for _, batch, errors in main._batches(paths):
                if errors:
                    raise SystemExit(f"unreadable images: {errors}")
                fmap = model.forward_features(main._normalise(batch)).float()
                rows.append(torch.cat([fmap.mean(dim=(2, 3)), fmap.amax(dim=(2, 3))], dim=1).cpu().numpy())
            return np.concatenate(rows)

        if self._image_keys is None:
            self._image_keys = [file_checksum(p) for p in self._paths]
        version = f"{main.version}+avg,max,raw"
        self._time(version, lambda idx: both([self._paths[i] for i in idx]))
        for p, encoder in encoders.items():
            self.embed_ms_per_item[encoder.version] = self.embed_ms_per_item[version]
        stacked = self.cache.get(version, self._image_keys, lambda idx: both([self._paths[i] for i in idx]))
        dim = main.dim
        self._raw[(input_size, "avg")] = stacked[:, :dim]
        self._raw[(input_size, "max")] = stacked[:, dim:]

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
