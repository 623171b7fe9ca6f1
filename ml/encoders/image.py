"""The image encoder: photos to (n, dim) float32 L2-normalised vectors and the ``img:`` part of a model version.

Each photo is padded to a square on white, resized to ``input_size``, normalised with the backbone's statistics,
run through the CNN trunk (``ml.encoders.backbones``) and globally pooled (the mean, or the max, of each channel
over the feature map), then L2-normalised: ``v = f / ||f||``, so a dot product of two vectors is their cosine.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from pathlib import Path

import numpy as np
import torch

from ml.encoders.backbones import NORMALISATION, Backbone, build_backbone, resolve_device, use_all_cores
from ml.encoders.kernels import cpu_bf16_supported, cpu_conv_fusion_available, cpu_has_fast_bf16, fold_batchnorm
from ml.images import ImageLoadError, ImageSource, describe, gpu_square_resize, read_bytes, to_uint8_array

POOLINGS = ("avg", "max")
PRECISIONS = ("auto", "fp32", "bf16")


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
        mean, std = NORMALISATION[backbone]
        self._mean = torch.tensor(mean, device=self.device).view(1, 3, 1, 1) * 255
        self._std = torch.tensor(std, device=self.device).view(1, 3, 1, 1) * 255
        self._cuda = self.device.type == "cuda"
        self.gpu_decode = gpu_decode and self._cuda
        if self._cuda:
            self._dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            self._dtype = torch.float32 if precision == "fp32" else self._dtype
        else:
            use_all_cores()
            # A fine-tuned trunk has channels whose batch-norm scale trained to nearly zero; folded into their
            # convolutions they make subnormal activations, which x86 computes 2-3x slower (the fine-tuned Lite0
            # at 96 px: 28.9 ms a photo against 9.0 ms flushed, measured). They carry nothing a vector can use.
            torch.set_flush_denormal(True)
            if precision == "bf16" and not cpu_bf16_supported():
                raise ValueError("precision='bf16' needs a CPU with bf16 instructions (AVX-512 BF16, AMX)")
            fast_bf16 = precision == "bf16" or (precision == "auto" and cpu_has_fast_bf16())
            self._dtype = torch.bfloat16 if fast_bf16 else torch.float32
        self._channels_last = self._cuda or self._dtype != torch.float32
        if self._channels_last:
            # torch's stubs lack the (device, memory_format) form of Module.to that torch accepts
            self.model = self.model.to(self.device, memory_format=torch.channels_last)  # type: ignore[call-overload]
        self._pool: ThreadPoolExecutor | None = None
        self._cpu_net: tuple[tuple[tuple[int, int], ...], Backbone] | None = None

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
        jpegs = [(i, data) for i, data in enumerate(raw) if data is not None]
        jpeg_idx = [i for i, _ in jpegs]
        decoded: dict[int, torch.Tensor] = {}
        if jpegs:
            tensors = [torch.frombuffer(bytearray(data), dtype=torch.uint8) for _, data in jpegs]
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

    def _autocast(self) -> AbstractContextManager[Any]:
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
                net = net.to(self._dtype, memory_format=torch.channels_last)  # type: ignore[call-overload]
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
