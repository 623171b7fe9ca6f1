"""Image, text and item encoders: photos and product text to L2-normalised vectors with a model-version string.

Every vector this package hands out comes with the ``version`` of the encoder that made it (backbone, input size,
pooling, a checksum of the weights file, the text model, the image/text weight), so vectors of different models are
never compared. Models load when an encoder is constructed, never at import; ``get_item_encoder`` caches one per
process. The modules, by concern:

- ``backbones``: the CNN trunks (Lite0, ResNet50), their weights and checksums, the device;
- ``kernels``: the CPU inference copy (BatchNorm folding, oneDNN conv + ReLU6 fusion, AMX detection);
- ``image``: ``ImageEncoder``, photos to unit vectors (batched decoding, CPU and GPU paths);
- ``text``: ``TextEncoder`` (all-MiniLM-L6-v2) and ``item_text``, the words an item is read by;
- ``item``: ``ItemEncoder``, the blend of both (its maths is ``ml.vectors``'), and the per-process cache.

Every public name is importable from ``ml.encoders`` itself, as before the split.
"""
from __future__ import annotations

from ml.encoders.backbones import (
    BACKBONES,
    CHECKPOINT_FORMAT,
    FINE_TUNED_WEIGHTS,
    NORMALISATION,
    RANDOM_INIT,
    Backbone,
    ModelWeightsMissing,
    UnknownBackbone,
    build_backbone,
    file_sha256,
    lite0_package_weights,
    load_checkpoint,
    rename_lite0_keys,
    resolve_device,
    use_all_cores,
)
from ml.encoders.image import POOLINGS, PRECISIONS, ImageEncoder
from ml.encoders.item import EncoderConfig, ItemEncoder, get_item_encoder
from ml.encoders.kernels import (
    FusedConv2d,
    cpu_bf16_supported,
    cpu_conv_fusion_available,
    cpu_has_fast_bf16,
    fold_batchnorm,
)
from ml.encoders.text import TEXT_MODEL_NAME, TextEncoder, get_text_encoder, item_text, minilm_package_dir

__all__ = [
    "BACKBONES",
    "CHECKPOINT_FORMAT",
    "FINE_TUNED_WEIGHTS",
    "NORMALISATION",
    "POOLINGS",
    "PRECISIONS",
    "RANDOM_INIT",
    "TEXT_MODEL_NAME",
    "Backbone",
    "EncoderConfig",
    "FusedConv2d",
    "ImageEncoder",
    "ItemEncoder",
    "ModelWeightsMissing",
    "TextEncoder",
    "UnknownBackbone",
    "build_backbone",
    "cpu_conv_fusion_available",
    "cpu_bf16_supported",
    "cpu_has_fast_bf16",
    "file_sha256",
    "fold_batchnorm",
    "get_item_encoder",
    "get_text_encoder",
    "item_text",
    "lite0_package_weights",
    "load_checkpoint",
    "minilm_package_dir",
    "rename_lite0_keys",
    "resolve_device",
    "use_all_cores",
]
