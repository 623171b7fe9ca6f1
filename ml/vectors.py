"""Item vectors as they are stored, blended, split and compared: the one owner of their layout.

Storage. A vector is stored as the raw bytes of a little-endian float32 array (``<f4``, 4 bytes per dimension, no
header): the byte order is fixed so a blob written on one machine reads the same on any other, and the dimension
is the blob's length / 4. ``to_blob`` and ``from_blob`` are the only places that write and read that format.

Normalising. ``normalise`` scales rows to unit L2 norm and refuses a zero or non-finite row (an index or a query
must never hold one: its direction is undefined); ``unit_rows`` maps a zero row to itself instead, for blocks that
may legitimately be empty (a photo's missing text).

Layout. An item vector (``ml.encoders.ItemEncoder``) is ``[image block | text block]``. Each block is L2-normalised,
the image block is multiplied by sqrt(w) and the text block by sqrt(1 - w), and the concatenation is normalised
again (``VectorLayout.blend``). With both parts present the concatenation already has unit length, so the cosine of
two item vectors is exactly ``w * cos(images) + (1 - w) * cos(texts)``: the weight reads as a share of the
similarity. A zero text block leaves, after renormalising, the image vector scaled into the first block, so its
cosine with any item is ``sqrt(w) * cos(images)``: ranking by it is ranking by image similarity alone.
``split`` recovers the unit blocks (a zero block stays zero), whatever the weight.

The block sizes are not constants: they follow from the model version (``VectorLayout.from_version`` reads the
backbone and text model named in ``item:img:<backbone>:...|txt:<text model>:...|w=<weight>``), so a new backbone or
text model changes them with the version that already keeps vectors of different models apart.

Borrowed text. A photo has no name, so its query vector has a zero text block. ``VectorLayout.borrow_text`` fills
it with the normalised mean of the unit text blocks of the photo's visual neighbours (found with the photo-only
vector, which ranks by image alone): +0.04 find-similar precision@10 in the offline evaluation
(docs/evaluation.md, "imputed photo text").

Pure numpy; no torch, no Django: web processes import it to read vectors without loading a model.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

BLOB_DTYPE = "<f4"
# Output dimension of each image backbone's pooled features and each text model's sentence vectors: the sizes of
# the two blocks of an item vector.
IMAGE_DIMS: dict[str, int] = {"efficientnet_lite0": 1280, "resnet50": 2048}
TEXT_DIMS: dict[str, int] = {"all-MiniLM-L6-v2": 384}
_EPS = 1e-12
_ITEM_VERSION = re.compile(r"^item:img:(?P<backbone>[^:|]+):[^|]*\|txt:(?P<text>[^:|]+):[^|]*\|w=(?P<w>[0-9.]+)$")

Blob = bytes | bytearray | memoryview


# --- storage ------------------------------------------------------------------------------------------------------


def to_blob(vector: np.ndarray) -> bytes:
    """The stored form of one vector: its float32 values as little-endian bytes."""
    return np.ascontiguousarray(vector, dtype=BLOB_DTYPE).tobytes()


def from_blob(blob: Blob) -> np.ndarray:
    """One stored vector back as a read-only float32 (``<f4``) array, without copying the values twice."""
    return np.frombuffer(bytes(blob), dtype=BLOB_DTYPE)


def from_blobs(blobs: Iterable[Blob], *, dim: int = 0) -> np.ndarray:
    """Stored vectors stacked as (n, d) rows; no blobs give a (0, dim) array. Raises ValueError on mixed sizes."""
    rows = [from_blob(b) for b in blobs]
    if not rows:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack(rows)


# --- normalising --------------------------------------------------------------------------------------------------


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit L2 norm. Raises ValueError on a zero or non-finite row."""
    arr = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise ValueError("vectors must be finite and non-zero to be normalised")
    return arr / norms


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 rows scaled to unit L2 norm; a zero row stays zero (an absent block, not an error)."""
    arr = np.asarray(vectors, dtype=np.float32)
    return arr / np.maximum(np.linalg.norm(arr, axis=-1, keepdims=True), _EPS)


# --- layout -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VectorLayout:
    """``[image block (image_dim) | text block (text_dim)]`` blended with ``image_weight``; see the module docstring."""

    image_dim: int
    text_dim: int
    image_weight: float = 0.7

    def __post_init__(self) -> None:
        if not 0.0 < self.image_weight <= 1.0:
            raise ValueError(f"image_weight must be in (0, 1], got {self.image_weight}")
        if self.image_dim < 1 or self.text_dim < 0:
            raise ValueError(f"block sizes must be positive, got {self.image_dim} and {self.text_dim}")

    @property
    def dim(self) -> int:
        return self.image_dim + self.text_dim

    @property
    def scales(self) -> tuple[np.float32, np.float32]:
        """The factors of the image and text blocks, sqrt(w) and sqrt(1 - w)."""
        return np.float32(np.sqrt(self.image_weight)), np.float32(np.sqrt(1.0 - self.image_weight))

    @classmethod
    def from_version(cls, model_version: str) -> VectorLayout | None:
        """The layout of item vectors of ``model_version`` (an ``ItemEncoder.version``); None for any other kind
        of version, or one naming a backbone or text model whose output size is not listed here."""
        match = _ITEM_VERSION.match(model_version or "")
        if match is None or match["backbone"] not in IMAGE_DIMS or match["text"] not in TEXT_DIMS:
            return None
        try:
            weight = float(match["w"])
            return cls(IMAGE_DIMS[match["backbone"]], TEXT_DIMS[match["text"]], weight)
        except ValueError:
            return None

    def blend(self, image_vectors: np.ndarray, text_vectors: np.ndarray) -> np.ndarray:
        """Unit item vectors from unit image and text blocks (zero rows allowed), one row per pair."""
        if len(image_vectors) != len(text_vectors):
            raise ValueError(f"{len(image_vectors)} image vectors but {len(text_vectors)} text vectors")
        image_scale, text_scale = self.scales
        out = np.concatenate([image_vectors * image_scale, text_vectors * text_scale], axis=1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, _EPS)).astype(np.float32, copy=False)

    def photo_only(self, image_vectors: np.ndarray) -> np.ndarray:
        """Item vectors of photos without text: a zero text block (ranking by image similarity alone)."""
        return self.blend(image_vectors, np.zeros((len(image_vectors), self.text_dim), dtype=np.float32))

    def split(self, item_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The unit image and text blocks of item vectors (a zero block stays zero). Raises ValueError when the
        vectors are not ``dim`` wide."""
        item_vectors = np.atleast_2d(np.asarray(item_vectors, dtype=np.float32))
        if item_vectors.shape[1] != self.dim:
            raise ValueError(f"item vectors of this layout have {self.dim} dims, got {item_vectors.shape[1]}")
        return unit_rows(item_vectors[:, : self.image_dim]), unit_rows(item_vectors[:, self.image_dim :])

    def image_block(self, item_vectors: np.ndarray) -> np.ndarray:
        """The unit image block of item vectors (what reads the photo alone, e.g. the gender probe)."""
        return self.split(item_vectors)[0]

    def borrow_text(self, photo_vector: np.ndarray, neighbour_vectors: np.ndarray) -> np.ndarray:
        """One photo-only item vector completed with the text its visual neighbours share (``neighbour_vectors``:
        item vectors of the nearest items to the photo-only vector). No neighbours: the photo-only vector."""
        image, _ = self.split(photo_vector)
        if not len(neighbour_vectors):
            return self.photo_only(image)[0]
        _, texts = self.split(neighbour_vectors)
        return self.blend(image, borrowed_text(texts)[None, :])[0]


def borrowed_text(text_blocks: np.ndarray) -> np.ndarray:
    """The text a photo borrows from its neighbours: the normalised mean of their unit text blocks.

    ``text_blocks`` is (k, d) for one photo, giving (d,), or (n, k, d) for n photos, giving (n, d). A zero mean
    (no neighbour has text) stays zero. Each row's norm is taken as ``np.linalg.norm`` of that row alone, so a batch
    gives bit for bit what one photo at a time gives.
    """
    blocks = np.asarray(text_blocks, dtype=np.float32)
    if blocks.ndim not in (2, 3):
        raise ValueError(f"text blocks must be (k, d) or (n, k, d), got shape {blocks.shape}")
    mean = blocks.mean(axis=-2)
    rows = np.atleast_2d(mean)
    norms = np.asarray([max(float(np.linalg.norm(row)), _EPS) for row in rows], dtype=np.float32)
    out = (rows / norms[:, None]).astype(np.float32, copy=False)
    return out[0] if blocks.ndim == 2 else out
