"""How often a tag applied at upload is right, per confidence threshold: the measurement behind
``wardrobe.upload_tags.APPLY_AT`` (docs/evaluation.md, "Tags at upload").

Each photo of a styles-format set is uploaded in turn, leave one out: the shop is every other item of the set,
embedded as the importer embeds it (its name, category and colour), and the upload is embedded as the embedding job
embeds a new garment (the photo and the text of a fresh upload, "IMG 0001" and "Other"). Its 15 nearest shop items
vote category and colour as ``recommender.autotag`` does (``ml.autotag.suggest_tags`` over the exact index's
distances, "other" and unnamed colours casting no vote). A vote is applied when its confidence reaches the
threshold; the table gives, per field and threshold, the share of uploads that get the field applied and the share
of those that are right (the item's own label). Photos whose own label is "other" or no colour are left out (no
right answer). ``--photo-only`` queries with the image block alone instead (text block zero). No database, no
Django.

``--colour`` scores the site's colour suggestion instead (``wardrobe.colour_suggestion``): per photo the vote above
(``--photo-only`` is what the embedding job votes with), the colour model's reading of the photo's own pixels under
the mask the job makes (``ml.masks.foreground``), and the rules that could combine them; each rule's top-1 and, at
each threshold (0.7 is ``APPLY_AT``), the share applied and right. Most mini-set items are in the colour model's training split
(``ml.data.split_of``), so the table is given for every photo and for the validation and evaluation items alone.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.upload_tags [--data ../shared/datasets/fashion-products-mini]
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.upload_tags --photo-only --colour

``--trunk`` names the image trunk (default the site's fine-tuned one; ``imagenet`` for the weights it replaced).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.colour_rules import score_colour_rules
from ml.autotag import suggest_tags
from ml.data import iter_styles
from ml.encoders import EncoderConfig, get_item_encoder, item_text
from ml.index.exact import ExactIndex
from ml.weights import FINE_TUNED_WEIGHTS
from wardrobe import taxonomy

NEIGHBOURS = 15  # recommender.autotag.NEIGHBOURS
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)
_CATEGORY_LABELS = dict(taxonomy.CATEGORY_CHOICES)
_COLOUR_LABELS = dict(taxonomy.COLOUR_CHOICES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/datasets/fashion-products-mini")
    parser.add_argument("--input-size", type=int, default=96, help="ML_IMAGE_INPUT_SIZE")
    parser.add_argument("--photo-only", action="store_true", help="query with the image block alone")
    parser.add_argument("--colour", action="store_true", help="score the combined colour suggestion's rules")
    parser.add_argument("--colour-weights", default="ml/weights/colour.npz")
    parser.add_argument("--trunk", default=str(FINE_TUNED_WEIGHTS),
                        help="the image trunk's checkpoint (ML_IMAGE_WEIGHTS; default the site's), or 'imagenet'")
    args = parser.parse_args()

    root = Path(args.data)
    items = [s for s in iter_styles(root / "items.csv") if s.image_path(root).is_file()]
    trunk = None if args.trunk == "imagenet" else args.trunk
    encoder = get_item_encoder(EncoderConfig(input_size=args.input_size, weights=trunk, device="cpu"))
    print(f"image trunk: {args.trunk}")
    photos = [s.image_path(root).read_bytes() for s in items]
    truth = [
        {"category": taxonomy.category_for(s.master_category, s.sub_category, s.article_type),
         "colour": taxonomy.colour_for(s.base_colour)}
        for s in items
    ]
    labels = [{"category": "" if t["category"] == taxonomy.OTHER else t["category"], "colour": t["colour"]} for t in truth]
    shop_texts = [
        item_text(name=s.name, category=_CATEGORY_LABELS[t["category"]], colour=_COLOUR_LABELS.get(t["colour"], ""))
        for s, t in zip(items, truth)
    ]
    image_blocks = encoder.image.embed(photos)
    shop = encoder.combine(image_blocks, encoder.text.embed(shop_texts))
    upload_text = item_text(name="IMG 0001", category=_CATEGORY_LABELS[taxonomy.OTHER])
    if args.photo_only:
        uploads = encoder.layout.photo_only(image_blocks)
    else:
        uploads = encoder.combine(image_blocks, encoder.text.embed([upload_text] * len(items)))
    index = ExactIndex(np.arange(len(items)), shop)

    votes: dict[str, list[tuple[float, bool]]] = {"category": [], "colour": []}
    colour_votes = []
    for i, vector in enumerate(uploads):
        found = index.query(vector, NEIGHBOURS, exclude={i})
        suggestion = suggest_tags([labels[j] for j, _ in found], [max(0.0, d) for _, d in found], fields=tuple(votes))
        colour_votes.append(suggestion.tags.get("colour"))
        for name in votes:
            guess = suggestion.tags.get(name)
            if guess is not None and labels[i][name]:
                votes[name].append((guess.confidence, guess.value == labels[i][name]))

    print(f"{len(items)} photos, {NEIGHBOURS} neighbours, query: {'photo only' if args.photo_only else 'photo + upload text'}")
    if args.colour:
        score_colour_rules(root, items, [t["colour"] for t in truth], colour_votes, weights=args.colour_weights)
        return
    print("| field | threshold | applied | right when applied |")
    print("|---|---|---|---|")
    for name, rows in votes.items():
        for threshold in THRESHOLDS:
            applied = [right for confidence, right in rows if confidence >= threshold]
            share = len(applied) / len(rows) if rows else 0.0
            precision = sum(applied) / len(applied) if applied else float("nan")
            print(f"| {name} | {threshold:.1f} | {share:.0%} ({len(applied)}/{len(rows)}) | {precision:.1%} |")


if __name__ == "__main__":
    main()
