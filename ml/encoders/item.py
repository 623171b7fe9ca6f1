"""The item encoder: a photo and its product text blended into one vector, with its ``item:`` model version.

The version names the image encoder's (backbone, input size, pooling, weights checksum), the text model's and the
image weight w, so vectors of different models are never compared. The blend (each block unit, scaled by sqrt(w)
and sqrt(1 - w), renormalised: the cosine of two items is ``w * cos(images) + (1 - w) * cos(texts)``), the split
and the borrowed text of photo-only queries are ``ml.vectors.VectorLayout``'s; this module only feeds it.
``get_item_encoder`` builds one encoder per configuration and process, on first use.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ml.encoders.backbones import ModelWeightsMissing
from ml.encoders.image import ImageEncoder
from ml.encoders.text import TextEncoder, get_text_encoder
from ml.images import ImageSource
from ml.vectors import VectorLayout


class ItemEncoder:
    """Image and text blended into one vector; see the module docstring for the weighting and photo-only queries."""

    def __init__(self, image: ImageEncoder, text: TextEncoder, *, image_weight: float = 0.7) -> None:
        if not 0.0 < image_weight <= 1.0:
            raise ValueError(f"image_weight must be in (0, 1], got {image_weight}")
        self.image = image
        self.text = text
        self.image_weight = float(image_weight)
        self.layout = VectorLayout(image.dim, text.dim, self.image_weight)
        self.dim = self.layout.dim
        self.version = f"item:{image.version}|{text.version}|w={self.image_weight:.2f}"

    def __repr__(self) -> str:
        return f"ItemEncoder({self.version!r})"

    def combine(self, image_vectors: np.ndarray, text_vectors: np.ndarray) -> np.ndarray:
        """Blend already-computed unit image and text blocks (zero rows allowed) into unit item vectors."""
        return self.layout.blend(image_vectors, text_vectors)

    def embed(self, images: Sequence[ImageSource], texts: Sequence[str | None]) -> np.ndarray:
        """(n, dim) unit rows; ``texts[i]`` None or "" means a photo-only row. Raises ImageLoadError on bad photos."""
        if len(images) != len(texts):
            raise ValueError(f"{len(images)} images but {len(texts)} texts: pass one text (or None) per image")
        return self.combine(self.image.embed(images), self.text.embed(texts))

    def embed_with_errors(
        self, images: Sequence[ImageSource], texts: Sequence[str | None]
    ) -> tuple[np.ndarray, dict[int, str]]:
        """Like ``embed``, but an unreadable photo gives a zero row and an ``index -> reason`` entry."""
        if len(images) != len(texts):
            raise ValueError(f"{len(images)} images but {len(texts)} texts: pass one text (or None) per image")
        image_vectors, errors = self.image.embed_with_errors(images)
        out = self.combine(image_vectors, self.text.embed(texts))
        if errors:
            out[sorted(errors)] = 0.0
        return out, errors

    def embed_images_only(self, images: Sequence[ImageSource]) -> np.ndarray:
        """Photo-only query vectors (text block zero), comparable with item vectors of the same version."""
        return self.layout.photo_only(self.image.embed(images))

    def split(self, item_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The unit image and text blocks of item vectors of this encoder (a zero block stays zero)."""
        return self.layout.split(item_vectors)

    def with_borrowed_text(self, photo_vector: np.ndarray, neighbour_vectors: np.ndarray) -> np.ndarray:
        """A photo-only query vector completed with the text its visual neighbours share (``ml.vectors``,
        ``VectorLayout.borrow_text``): a photo has no name, so it borrows its nearest items' words."""
        return self.layout.borrow_text(photo_vector, neighbour_vectors)


@dataclass(frozen=True)
class EncoderConfig:
    """Everything that decides which vectors come out; hashable so one encoder is cached per configuration.

    ``weights`` is a fine-tuned checkpoint (empty: the backbone's pretrained default); ``resnet50_weights`` is the
    ImageNet file ResNet50 needs when ``weights`` is empty.
    """

    backbone: str = "efficientnet_lite0"
    input_size: int = 224
    pooling: str = "avg"
    weights: str | None = None
    resnet50_weights: str | None = None
    image_weight: float = 0.7
    device: str = "auto"

    def image_weights_path(self) -> str | None:
        if self.weights:
            return self.weights
        if self.backbone == "resnet50":
            if not self.resnet50_weights:
                raise ModelWeightsMissing(
                    "resnet50 needs ImageNet weights: set ML_RESNET50_WEIGHTS to torchvision's resnet50 .pth file"
                )
            return self.resnet50_weights
        return None


@functools.lru_cache(maxsize=4)
def get_item_encoder(config: EncoderConfig) -> ItemEncoder:
    """The process-wide item encoder for ``config``, built on first use (models are never loaded at import)."""
    image = ImageEncoder(
        config.backbone,
        input_size=config.input_size,
        pooling=config.pooling,
        weights=config.image_weights_path(),
        device=config.device,
    )
    return ItemEncoder(image, get_text_encoder(config.device), image_weight=config.image_weight)
