"""Embedding throughput: one image at a time (the reference systems' loop) against the batched pipeline.

    .venv/bin/python bench/embed.py [--data ../shared/datasets/fashion-products] [--n 256] [--sizes 224 128]

For each backbone and input size it times, on the same photos in the same run:
  one-at-a-time  open one photo, pad and resize it, forward a batch of one in fp32, pool (the references' loop)
  batched fp32   ImageEncoder.embed over all photos (thread-pool decoding overlapped with batches of 64; on CPU the
                 network is a BatchNorm-folded, conv+ReLU6-fused copy, see ml.encoders.fold_batchnorm)
  batched bf16   the same in bf16, what precision="auto" picks on CPUs with AMX (CPU only)
and on a CUDA device also the batched pipeline with JPEG decoding on the GPU. The last rows are end to end:
items per second through ItemEncoder (photo + product text). ResNet50 runs with random weights (its ImageNet file
is not shipped). Speed can depend on the weights' values: a fine-tuned trunk's near-dead channels made subnormal
activations, 3x slower on x86 until the encoder flushed them to zero, so ``--weights`` times a checkpoint too.
Every row is warmed up on a few photos first.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# On a shared 2-core machine the OpenMP default (spin while waiting) makes torch's threads fight other processes:
# batch-of-one inference measured 0.95 img/s spinning against 15.9 img/s passive. Set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

from ml.encoders import RANDOM_INIT, ImageEncoder, ItemEncoder, TextEncoder, cpu_bf16_supported, item_text  # noqa: E402
from ml.images import load_image, square_resize  # noqa: E402


def one_at_a_time(encoder: ImageEncoder, paths: list[Path]) -> None:
    import numpy as np

    with torch.inference_mode():
        for path in paths:
            array = np.array(square_resize(load_image(path), encoder.input_size), dtype=np.uint8)
            batch = torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).to(encoder.device)
            with encoder._autocast():
                features = encoder.pooled_features(encoder._normalise(batch))
            torch.nn.functional.normalize(features.float(), dim=1).cpu().numpy()


def timed(fn, *args) -> float:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn(*args)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(REPO / ".." / "shared" / "datasets" / "fashion-products"),
                        help="styles-format dataset folder (its images/ are used)")
    parser.add_argument("--n", type=int, default=256, help="photos per row")
    parser.add_argument("--sizes", type=int, nargs="+", default=[224, 128])
    parser.add_argument("--backbones", nargs="+", default=["efficientnet_lite0", "resnet50"])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--weights", help="also time Lite0 with this fine-tuned checkpoint (batched fp32 rows)")
    args = parser.parse_args()

    images = Path(args.data).resolve() / "images"
    if not images.is_dir():
        parser.exit(2, f"error: no images folder at {images} (pass --data)\n")
    paths = sorted(images.glob("*.jpg"))[: args.n]
    if not paths:
        parser.exit(2, f"error: no .jpg photos in {images}\n")
    warmup = paths[: min(8, len(paths))]
    cuda = torch.cuda.is_available()
    device = torch.cuda.get_device_name(0) if cuda else f"CPU, {torch.get_num_threads()} threads"
    from ml.encoders import cpu_has_fast_bf16

    print(f"# {len(paths)} photos from {images} | {device} | torch {torch.__version__} | "
          f"AMX bf16: {cpu_has_fast_bf16()} | OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    header = f"| {'backbone':<18} | {'weights':<8} | {'input':>5} | {'mode':<22} | {'img/s':>7} | {'vs one-at-a-time':>16} |"
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")

    def row(backbone: str, weights: str, size: int, mode: str, seconds: float, baseline: float | None) -> None:
        rate = len(paths) / seconds
        ratio = f"{rate / baseline:.1f}x" if baseline else ("1.0x" if mode == "one-at-a-time" else "-")
        print(f"| {backbone:<18} | {weights:<8} | {size:>5} | {mode:<22} | {rate:>7.1f} | {ratio:>16} |", flush=True)

    baselines: dict[tuple[str, int], float] = {}
    for backbone in args.backbones:
        weights = None if backbone == "efficientnet_lite0" else RANDOM_INIT
        label = "ImageNet" if weights is None else "random"
        for size in args.sizes:
            encoder = ImageEncoder(backbone, input_size=size, weights=weights, batch_size=args.batch_size,
                                   gpu_decode=False, precision="fp32")
            one_at_a_time(encoder, warmup)
            baseline_seconds = timed(one_at_a_time, encoder, paths)
            baseline = baselines[(backbone, size)] = len(paths) / baseline_seconds
            row(backbone, label, size, "one-at-a-time", baseline_seconds, None)
            encoder.embed(warmup)
            row(backbone, label, size, f"batched ({args.batch_size}) fp32", timed(encoder.embed, paths), baseline)
            if not cuda and cpu_bf16_supported():  # oneDNN has no bf16 kernels for CPUs without AVX-512 BF16/AMX
                bf16 = ImageEncoder(backbone, input_size=size, weights=weights, batch_size=args.batch_size,
                                    precision="bf16")
                bf16.embed(warmup)
                row(backbone, label, size, f"batched ({args.batch_size}) bf16", timed(bf16.embed, paths), baseline)
            if cuda:
                gpu = ImageEncoder(backbone, input_size=size, weights=weights, batch_size=args.batch_size,
                                   gpu_decode=True)
                gpu.embed(warmup)
                row(backbone, label, size, "batched + GPU decode", timed(gpu.embed, paths), baseline)
            if args.weights and backbone == "efficientnet_lite0":
                tuned = ImageEncoder(backbone, input_size=size, weights=args.weights, batch_size=args.batch_size,
                                     gpu_decode=False, precision="fp32")
                tuned.embed(warmup)
                row(backbone, "tuned", size, f"batched ({args.batch_size}) fp32", timed(tuned.embed, paths), baseline)

    texts = [item_text(name=p.stem) for p in paths]
    try:
        from ml.data import load_styles

        names = {item.id: item_text(name=item.name, colour=item.base_colour, category=item.article_type)
                 for item in load_styles(images.parent)}
        texts = [names.get(p.stem, "") for p in paths]
    except (FileNotFoundError, ValueError):
        pass
    text = TextEncoder()
    for size in args.sizes:
        for gpu_decode in ([False, True] if cuda else [False]):
            items = ItemEncoder(ImageEncoder(input_size=size, batch_size=args.batch_size, gpu_decode=gpu_decode), text)
            items.embed(warmup, texts[: len(warmup)])
            mode = "item (photo+text)" + (" GPU dec" if gpu_decode else "")
            seconds = timed(items.embed, paths, texts)
            row("efficientnet_lite0", "ImageNet", size, mode, seconds, baselines.get(("efficientnet_lite0", size)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
