"""CPU inference kernels for the image encoder: BatchNorm folding, oneDNN conv + activation fusion, AMX detection.

In eval mode a BatchNorm is a per-channel affine map ``y = gamma * (x - mu) / sqrt(var + eps) + beta``, so a
convolution followed by it is one convolution with weights scaled by ``gamma / sqrt(var + eps)`` per output channel
and a bias; ``fold_batchnorm`` does that in place and, where oneDNN has its fused convolution + pointwise op, makes
each convolution and its ReLU6 one call (``FusedConv2d``). TensorFlow "SAME" padding (``pad_total = max((ceil(s /
stride) - 1) * stride + (k - 1) * dilation + 1 - s, 0)``, the extra pixel after) becomes the convolution's own
symmetric padding with a zero row/column added to the front of the kernel. Lite0's CPU forward is memory-bound, so
every pass over an activation map saved counts (docs/benchmarks.md). Inference only: ``self.model`` of an
ImageEncoder stays the plain network for training.
"""
from __future__ import annotations

import functools
import math
from typing import TypeVar, cast

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

ModuleT = TypeVar("ModuleT", bound=nn.Module)


@functools.lru_cache(maxsize=1)
def cpu_bf16_supported() -> bool:
    """True where oneDNN runs bf16 convolutions on this CPU at all (AVX-512 BF16, AVX-NE-CONVERT or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # private op: absent on other builds means "no"
        return False


@functools.lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True where the CPU has AMX tiles (Sapphire Rapids and later), on which bf16 convolutions beat fp32 ~3x."""
    try:
        return bool(torch.cpu._is_amx_tile_supported() and torch.cpu._init_amx())
    except (AttributeError, RuntimeError):  # private API: absent on other builds means "no"
        return False


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
        self.padding: list[int] = list(cast(tuple[int, ...], conv.padding))  # a tuple once the conv is built
        self._plans: dict[tuple, tuple[torch.Tensor, list[int]]] = {}

    def _plan(self, height: int, width: int) -> tuple[torch.Tensor, list[int]]:
        key = (height, width, self.weight.dtype, self.weight.data_ptr())
        if key not in self._plans:
            weight: torch.Tensor = self.weight
            padding = self.padding
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


def fold_batchnorm(model: ModuleT, *, fuse_activations: bool = False) -> ModuleT:
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
            act, drop = getattr(bn, "act", None), getattr(bn, "drop", None)
            activation: nn.Module | None = None
            dropout: nn.Module = nn.Identity()
            if type(bn) is not nn.BatchNorm2d:
                if not (isinstance(act, nn.Module) and isinstance(drop, nn.Module)):
                    continue  # a BatchNorm subclass that is not timm's BatchNormAct2d
                activation, dropout = act, drop  # timm BatchNormAct2d: BN, then dropout, then act
            fused = fuse_conv_bn_eval(conv, bn)
            conv.weight, conv.bias = fused.weight, fused.bias
            if activation is None:
                setattr(parent, bn_name, nn.Identity())
            elif (fuse_activations and type(activation) in _FUSED_ACTIVATIONS and isinstance(dropout, nn.Identity)
                  and conv.padding_mode == "zeros"):
                setattr(parent, conv_name, FusedConv2d(conv, activation, same=isinstance(conv, same_types)))
                setattr(parent, bn_name, nn.Identity())
            else:
                setattr(parent, bn_name, nn.Sequential(dropout, activation))
    return model
