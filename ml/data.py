"""Reading product datasets in the Kaggle "Fashion Product Images" styles format.

A dataset folder holds ``items.csv`` (columns id, gender, masterCategory, subCategory, articleType, baseColour,
season, year, usage, productDisplayName) and ``images/<id>.jpg``. The original marks missing values both as the
literal ``NA`` and as an empty field; both become ``""`` here so callers test one thing.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STYLES_COLUMNS = (
    "id",
    "gender",
    "masterCategory",
    "subCategory",
    "articleType",
    "baseColour",
    "season",
    "year",
    "usage",
    "productDisplayName",
)
_MISSING = {"", "NA", "nan", "NaN"}


@dataclass(frozen=True)
class StyleItem:
    """One row of items.csv, with missing values as empty strings."""

    id: str
    gender: str
    master_category: str
    sub_category: str
    article_type: str
    base_colour: str
    season: str
    year: str
    usage: str
    name: str
    row_number: int  # 1-based line number in the CSV, header included: what a bad-row report names

    def image_path(self, root: Path | str) -> Path:
        return Path(root) / "images" / f"{self.id}.jpg"


class StylesFormatError(ValueError):
    """The CSV lacks a column of the styles format."""


def _clean(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value in _MISSING else value


def iter_styles(csv_path: Path | str) -> Iterator[StyleItem]:
    """Yield the rows of a styles-format CSV in file order. Raises StylesFormatError if a column is missing."""
    with open(csv_path, newline="", encoding="utf-8-sig") as fh:  # a spreadsheet's byte-order mark is not a column
        reader = csv.DictReader(fh)
        missing = [c for c in STYLES_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise StylesFormatError(f"{csv_path}: missing column(s) {', '.join(missing)}")
        for row in reader:
            yield StyleItem(
                id=_clean(row["id"]),
                gender=_clean(row["gender"]),
                master_category=_clean(row["masterCategory"]),
                sub_category=_clean(row["subCategory"]),
                article_type=_clean(row["articleType"]),
                base_colour=_clean(row["baseColour"]),
                season=_clean(row["season"]),
                year=_clean(row["year"]),
                usage=_clean(row["usage"]),
                name=_clean(row["productDisplayName"]),
                row_number=reader.line_num,
            )


def load_styles(dataset_dir: Path | str) -> list[StyleItem]:
    """All rows of ``dataset_dir/items.csv`` whose image exists, in file order."""
    root = Path(dataset_dir)
    return [item for item in iter_styles(root / "items.csv") if item.image_path(root).is_file()]


SPLITS = ("train", "validation", "evaluation")
EVALUATION_SHARE = 0.20  # of a dataset's ids: the evaluation's queries, closets and held-out items come from these
VALIDATION_SHARE = 0.05  # fine-tuning checks itself on these and never steps on them


def split_of(item_id: str | int) -> str:
    """The fixed split an item id belongs to: "evaluation", "validation" or "train".

    A stable hash of the id (not its position or the CSV's order) decides, so a row keeps its split when the file
    grows, is re-sorted or is filtered, and ``ml.finetune`` and ``ml.evaluate`` agree on it without sharing a list:
    the fine-tuning never trains on an item the evaluation then queries with or builds a closet from.
    """
    bucket = int.from_bytes(hashlib.blake2b(f"split:{item_id}".encode(), digest_size=4).digest(), "little") % 10_000
    if bucket < EVALUATION_SHARE * 10_000:
        return "evaluation"
    if bucket < (EVALUATION_SHARE + VALIDATION_SHARE) * 10_000:
        return "validation"
    return "train"
