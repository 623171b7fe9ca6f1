"""Reading product datasets in the Kaggle "Fashion Product Images" styles format.

A dataset folder holds ``items.csv`` (columns id, gender, masterCategory, subCategory, articleType, baseColour,
season, year, usage, productDisplayName) and ``images/<id>.jpg``. The original marks missing values both as the
literal ``NA`` and as an empty field; both become ``""`` here so callers test one thing.
"""
from __future__ import annotations

import csv
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
