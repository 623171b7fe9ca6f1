"""Time to validate and normalise one phone photo (12 MP JPEG of about 4 MB), the per-file cost of an upload batch.

The form's batch limits (UPLOAD_BATCH_MAX_FILES, UPLOAD_BATCH_MAX_BYTES) are sized from this: a whole batch runs in
one request, which must end well inside the web worker's 30 s timeout.

    flock /tmp/closetspace-bench.lock .venv/bin/python -m bench.upload --repeat 5
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wardrobe.images import normalise_image  # noqa: E402


def phone_photo(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """Noise at low amplitude over a gradient compresses like a real photo: about 4 MB at quality 92."""
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.effect_noise(size, 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(gradient, noise, 0.5).save(out, format="JPEG", quality=92)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = phone_photo()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        normalise_image(io.BytesIO(data), max_bytes=15 * 1024 * 1024, max_pixels=40_000_000)
        times.append(time.perf_counter() - start)
    print(f"12 MP JPEG, {len(data) / 1e6:.1f} MB: normalise p50 {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s over {args.repeat}")


if __name__ == "__main__":
    main()
