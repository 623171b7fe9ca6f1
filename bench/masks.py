"""Background removal: mask quality (IoU against the generator's true mask) and seconds per photo.

    .venv/bin/python bench/masks.py [--data ../shared/datasets/fashion-products-mini] [--n 100] [--seed 1]
                                    [--sheet docs/homephotos.png]

Each item's catalogue photo becomes a home-style photo (``ml.homephotos``, under ``--seed``); ``ml.masks.foreground``
cuts it out and is scored by IoU against the mask the generator knows. In the same run it times the catalogue photo
itself (the white-border path a photo on white takes), so the two rows' ratio says what a home photo costs over a
catalogue one. ``--sheet`` writes a PNG contact sheet: home photo, true mask, found mask, cut-out on white.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml.data import load_styles  # noqa: E402
from ml.homephotos import home_photo_for_item  # noqa: E402
from ml.masks import cutout_on_white, foreground, iou  # noqa: E402


def _tile(image: Image.Image, size: int) -> Image.Image:
    image = image.convert("RGB")
    image.thumbnail((size, size))
    tile = Image.new("RGB", (size, size), "white")
    tile.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
    return tile


SheetRow = tuple[Image.Image, np.ndarray, np.ndarray, Image.Image, str]  # photo, true mask, found mask, cut-out, label


def contact_sheet(rows: list[SheetRow], path: Path, size: int = 150) -> None:
    header = 22
    sheet = Image.new("RGB", (4 * size, header + len(rows) * size), "white")
    draw = ImageDraw.Draw(sheet)
    for i, title in enumerate(("home photo", "true mask", "found mask", "cut-out (embedded)")):
        draw.text((i * size + 6, 5), title, fill="black")
    for r, (photo, truth, found, cut, label) in enumerate(rows):
        y = header + r * size
        masks = (Image.fromarray(truth.astype(np.uint8) * 255), Image.fromarray(found.astype(np.uint8) * 255))
        for c, img in enumerate((photo, *masks, cut)):
            sheet.paste(_tile(img, size), (c * size, y))
        draw.text((2 * size + 4, y + size - 14), label, fill=(200, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO / ".." / "shared" / "datasets" / "fashion-products-mini"))
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sheet", default="", help="write a contact sheet of the first 8 photos to this PNG")
    args = parser.parse_args()
    items = load_styles(args.data)[: args.n]
    home_s, cat_s, scores, by_background, methods = [], [], [], {}, {}
    sheet_rows = []
    for item in items:
        photo = home_photo_for_item(item.image_path(args.data), item.id, seed=args.seed)
        rgb = np.asarray(photo.image())
        start = time.perf_counter()
        found = foreground(rgb)
        home_s.append(time.perf_counter() - start)
        catalogue = np.asarray(Image.open(item.image_path(args.data)).convert("RGB"))
        start = time.perf_counter()
        foreground(catalogue)
        cat_s.append(time.perf_counter() - start)
        score = iou(found.mask, photo.mask)
        scores.append(score)
        by_background.setdefault(photo.background, []).append(score)
        methods[found.method] = methods.get(found.method, 0) + 1
        if args.sheet and len(sheet_rows) < 8:
            cut = cutout_on_white(rgb, found.mask)
            sheet_rows.append((photo.image(), photo.mask, found.mask, cut, f"IoU {score:.2f}"))
    print(f"{len(items)} items from {args.data}, home photos under seed {args.seed}; methods {methods}")
    print(f"{'photo':34} {'IoU mean':>9} {'IoU p10':>8} {'ms p50':>8} {'ms p95':>8}")
    print(f"{'home photo (GrabCut unless white)':34} {np.mean(scores):9.3f} {np.percentile(scores, 10):8.3f} "
          f"{1000 * np.median(home_s):8.1f} {1000 * np.percentile(home_s, 95):8.1f}")
    cat_p50, cat_p95 = 1000 * np.median(cat_s), 1000 * np.percentile(cat_s, 95)
    print(f"{'catalogue photo on white':34} {'':>9} {'':>8} {cat_p50:8.1f} {cat_p95:8.1f}")
    print(f"home / catalogue time ratio (p50): {np.median(home_s) / max(np.median(cat_s), 1e-9):.0f}x")
    for name, values in sorted(by_background.items()):
        print(f"  background {name:10} n={len(values):3}  IoU {np.mean(values):.3f}")
    if args.sheet:
        contact_sheet(sheet_rows, Path(args.sheet))
        print(f"contact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
