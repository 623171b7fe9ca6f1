"""Importing retail inventory: the Kaggle styles format or our own CSV, upserted in chunks by external id.

Every good row is kept; each bad row is reported with its line number and reason and skipped. Re-importing the same
file changes nothing (rows are compared by a hash of what was read); a changed photo or text resets the embedding.

Own format (header required, extra columns ignored)::

    external_id,name,brand,category,colour,gender,price,currency,sizes,url,image

``category`` is one of wardrobe.taxonomy's codes (or empty: "other"), ``colour`` a taxonomy colour or a Kaggle base
colour, ``sizes`` separated by ``|`` or ``;``, ``price`` a non-negative decimal, ``image`` a path relative to the
images folder.

The Kaggle data has no brand, price or sizes. Brand is the words of productDisplayName before the gender word
("Peter England Men Party Blue Jeans" -> "Peter England"), else its first word; price and sizes are demo data,
seeded by the item id so every import gives the same ones.
"""
from __future__ import annotations

import csv
import hashlib
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from ml.data import STYLES_COLUMNS, StylesFormatError, iter_styles
from recommender.models import EmbeddingState, InventoryItem
from recommender.services.import_files import CSV_ENCODING, ImportFormatError, check_csv
from wardrobe import taxonomy

OWN_COLUMNS = ("external_id", "name", "brand", "category", "colour", "gender", "price", "currency", "sizes", "url", "image")
CHUNK = 1000
THUMBNAIL_MAX = 240  # photos at most this size serve as their own thumbnail (no re-encode)
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_GENDER_WORDS = {"men", "women", "boys", "girls", "unisex", "kids", "men's", "women's"}
_PRICE_BASE = {
    taxonomy.TOPS: 25, taxonomy.BOTTOMS: 40, taxonomy.DRESSES: 55, taxonomy.OUTERWEAR: 80, taxonomy.SHOES: 60,
    taxonomy.BAGS: 45, taxonomy.ACCESSORIES: 20, taxonomy.JEWELLERY: 70, taxonomy.NIGHTWEAR: 18,
    taxonomy.BEAUTY: 22, taxonomy.OTHER: 30,
}
_CONTENT_FIELDS = [
    "name", "brand", "master_category", "sub_category", "article_type", "category", "colour", "base_colour", "gender",
    "season", "usage", "price", "currency", "sizes", "product_url", "image", "thumbnail", "is_active", "source_hash",
    "embed_input_hash", "updated_at",
]
_EMBEDDING_RESET_FIELDS = ["embedding_state", "embedding_error", "embedding", "embedding_version", "embedding_updated_at"]


@dataclass
class BadRow:
    row: int
    external_id: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "external_id": self.external_id, "reason": self.reason}


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def kept(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Row:
    row: int
    external_id: str
    values: dict
    image_path: Path


# --- demo data ----------------------------------------------------------------------------------------------------


def brand_from_name(name: str) -> str:
    """The brand a Kaggle product name starts with: the words before the gender word, else the first word."""
    words = name.split()
    for i, word in enumerate(words[:5]):
        if word.lower() in _GENDER_WORDS:
            return " ".join(words[:i])[:80] if i else ""
    return words[0][:80] if words else ""


def demo_price(external_id: str, category: str) -> Decimal:
    """A deterministic pseudo price (demo data): the category's base times a seeded factor, ending in .99."""
    rng = random.Random(f"price:{external_id}")
    base = _PRICE_BASE.get(category, 30)
    return Decimal(max(4, int(base * rng.uniform(0.4, 2.5)))) + Decimal("0.99")


def demo_sizes(external_id: str, category: str) -> list[str]:
    """A deterministic run of sizes in stock (demo data): clothing letters, shoe numbers, or one size."""
    rng = random.Random(f"sizes:{external_id}")
    if category == taxonomy.SHOES:
        scale = list(taxonomy.SHOE_SIZES)
    elif category in taxonomy.LETTER_SIZED:
        scale = list(taxonomy.CLOTHING_SIZES)
    else:
        return [taxonomy.ONE_SIZE]
    start = rng.randrange(0, len(scale) - 2)
    return scale[start : start + rng.randint(2, len(scale) - start)]


# --- reading --------------------------------------------------------------------------------------------------------


def _header(csv_path: Path) -> list[str]:
    try:
        with open(csv_path, newline="", encoding=CSV_ENCODING) as fh:
            return next(csv.reader(fh), [])
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{csv_path.name} is not UTF-8 text: {exc}") from exc


def detect_format(csv_path: Path) -> str:
    header = set(_header(csv_path))
    if set(STYLES_COLUMNS) <= header:
        return "styles"
    if {"external_id", "name", "image"} <= header:
        return "own"
    raise ImportFormatError(
        f"{csv_path.name}: unknown columns; expected the Kaggle styles format ({', '.join(STYLES_COLUMNS)}) or "
        f"our own ({', '.join(OWN_COLUMNS)})"
    )


def count_rows(csv_path: Path) -> int:
    with open(csv_path, newline="", encoding=CSV_ENCODING) as fh:
        return max(0, sum(1 for _ in csv.reader(fh)) - 1)


def _styles_rows(csv_path: Path, images_dir: Path) -> Iterator[_Row | BadRow]:
    currency = settings.INVENTORY_DEMO_CURRENCY
    try:
        rows = iter_styles(csv_path)
        for item in rows:
            if not item.id:
                yield BadRow(item.row_number, "", "missing id")
                continue
            if not item.name:
                yield BadRow(item.row_number, item.id, "missing productDisplayName")
                continue
            category = taxonomy.category_for(item.master_category, item.sub_category, item.article_type)
            yield _Row(
                row=item.row_number,
                external_id=item.id,
                image_path=images_dir / f"{item.id}.jpg",
                values={
                    "name": item.name[:200],
                    "brand": brand_from_name(item.name),
                    "master_category": item.master_category[:40],
                    "sub_category": item.sub_category[:40],
                    "article_type": item.article_type[:60],
                    "category": category,
                    "colour": taxonomy.colour_for(item.base_colour),
                    "base_colour": item.base_colour[:40],
                    "gender": item.gender[:20],
                    "season": item.season[:20],
                    "usage": item.usage[:30],
                    "price": demo_price(item.id, category),
                    "currency": currency,
                    "sizes": demo_sizes(item.id, category),
                    "product_url": "",
                },
            )
    except StylesFormatError as exc:
        raise ImportFormatError(str(exc)) from exc


def _own_rows(csv_path: Path, images_dir: Path) -> Iterator[_Row | BadRow]:
    with open(csv_path, newline="", encoding=CSV_ENCODING) as fh:
        reader = csv.DictReader(fh)
        for raw in reader:
            row = reader.line_num
            get = lambda key: (raw.get(key) or "").strip()  # noqa: E731
            external_id = get("external_id")
            if not external_id or len(external_id) > 64:
                yield BadRow(row, external_id, "missing external_id" if not external_id else "external_id longer than 64")
                continue
            if not get("name"):
                yield BadRow(row, external_id, "missing name")
                continue
            category = get("category").lower() or taxonomy.OTHER
            if category not in taxonomy.CATEGORIES:
                yield BadRow(row, external_id, f"unknown category {category!r}")
                continue
            price = None
            if get("price"):
                try:
                    price = Decimal(get("price").replace(",", "."))
                except InvalidOperation:
                    yield BadRow(row, external_id, f"bad price {get('price')!r}")
                    continue
                if not price.is_finite() or price < 0 or price >= Decimal("1e8"):
                    yield BadRow(row, external_id, f"bad price {get('price')!r}")
                    continue
                price = price.quantize(Decimal("0.01"))
            colour = get("colour").lower()
            if colour and colour not in taxonomy.COLOURS:
                colour = taxonomy.colour_for(get("colour"))
            image = PurePosixPath(get("image"))
            if not get("image") or image.is_absolute() or ".." in image.parts:
                yield BadRow(row, external_id, "missing image" if not get("image") else f"bad image path {get('image')!r}")
                continue
            url = get("url")
            if url and not url.startswith(("http://", "https://")):
                yield BadRow(row, external_id, f"bad url {url!r}")
                continue
            yield _Row(
                row=row,
                external_id=external_id,
                image_path=images_dir / image,
                values={
                    "name": get("name")[:200],
                    "brand": get("brand")[:80],
                    "master_category": "",
                    "sub_category": "",
                    "article_type": "",
                    "category": category,
                    "colour": colour,
                    "base_colour": get("colour")[:40],
                    "gender": get("gender")[:20],
                    "season": "",
                    "usage": "",
                    "price": price,
                    "currency": (get("currency") or settings.INVENTORY_DEMO_CURRENCY).upper()[:3],
                    "sizes": [s.strip() for s in get("sizes").replace(";", "|").split("|") if s.strip()],
                    "product_url": url[:500],
                },
            )


def _probe_image(path: Path) -> tuple[str, int, int]:
    """(extension, width, height) from the file header, without decoding pixels. Raises ValueError with a reason."""
    try:
        with Image.open(path) as im:
            fmt, (w, h) = im.format, im.size
    except FileNotFoundError:
        raise ValueError("missing image") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"unreadable image ({exc.__class__.__name__})") from None
    if fmt not in IMAGE_FORMATS or not w or not h:
        raise ValueError(f"unsupported image format {fmt}")
    return IMAGE_FORMATS[fmt], w, h


def _file_digest(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{hashlib.sha1(path.read_bytes()).hexdigest()[:16]}"


def _store_image(path: Path, name: str) -> str:
    """Copy a photo into storage under a stable name (overwriting an older copy)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with open(path, "rb") as fh:
        return default_storage.save(name, File(fh, name=path.name))


def _store_thumbnail(path: Path, name: str) -> str:
    with Image.open(path) as im:
        im = im.convert("RGB")
        im.thumbnail((THUMBNAIL_MAX, THUMBNAIL_MAX))
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=85)
    if default_storage.exists(name):
        default_storage.delete(name)
    from django.core.files.base import ContentFile

    return default_storage.save(name, ContentFile(buffer.getvalue()))


# --- writing --------------------------------------------------------------------------------------------------------


def _hash(values: dict, image_digest: str, keys: list[str] | None = None) -> str:
    parts = [f"{k}={values[k]}" for k in sorted(keys or values)] + [f"image={image_digest}"]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _write_chunk(rows: list[_Row], report: ImportReport) -> None:
    existing = {
        ext: (pk, source_hash, embed_hash)
        for ext, pk, source_hash, embed_hash in InventoryItem.objects.filter(
            external_id__in=[r.external_id for r in rows]
        ).values_list("external_id", "pk", "source_hash", "embed_input_hash")
    }
    fresh: list[InventoryItem] = []  # new, or photo/text changed: embedding reset
    changed: list[InventoryItem] = []  # other fields changed: embedding kept
    now = timezone.now()
    for row in rows:
        try:
            ext, width, height = _probe_image(row.image_path)
            digest = _file_digest(row.image_path)
        except (ValueError, OSError) as exc:
            report.bad.append(BadRow(row.row, row.external_id, str(exc)))
            continue
        values = row.values
        source_hash = _hash(values, digest)
        embed_hash = _hash(values, digest, ["name", "brand", "category", "colour"])
        known = existing.get(row.external_id)
        safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in row.external_id)
        image_name = f"inventory/{safe_id}.{ext}"
        photo_stored = default_storage.exists(image_name)
        # An unchanged row whose stored photo is gone (lost media volume) is repaired, not skipped.
        if known and known[1] == source_hash and photo_stored:
            report.unchanged += 1
            continue
        if not known or known[2] != embed_hash or not photo_stored:
            image_name = _store_image(row.image_path, image_name)
        thumb_name = image_name
        if max(width, height) > THUMBNAIL_MAX:
            thumb_name = _store_thumbnail(row.image_path, f"inventory/thumbs/{safe_id}.jpg")
        item = InventoryItem(
            external_id=row.external_id, image=image_name, thumbnail=thumb_name, is_active=True,
            source_hash=source_hash, embed_input_hash=embed_hash, updated_at=now, created_at=now, **values,
        )
        if known and known[2] == embed_hash:
            changed.append(item)
        else:
            item.embedding_state = EmbeddingState.PENDING
            fresh.append(item)
            if known:
                report.updated += 1
            else:
                report.created += 1
    with transaction.atomic():
        if fresh:
            InventoryItem.objects.bulk_create(
                fresh, update_conflicts=True, unique_fields=["external_id"], update_fields=_CONTENT_FIELDS + _EMBEDDING_RESET_FIELDS
            )
        if changed:
            InventoryItem.objects.bulk_create(
                changed, update_conflicts=True, unique_fields=["external_id"], update_fields=_CONTENT_FIELDS
            )
            report.updated += len(changed)


def import_inventory(
    *,
    csv_path: Path | str,
    images_dir: Path | str,
    on_progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK,
) -> ImportReport:
    """Upsert every good row of ``csv_path`` (styles or own format) with its photo from ``images_dir``.

    ``on_progress(done, total)`` is called once the rows are counted (done 0) and after each chunk is written.
    Raises ImportFormatError for a file of neither format (nothing imported); bad rows are reported, never raised.
    """
    import time

    started = time.perf_counter()
    csv_path, images_dir = Path(csv_path), Path(images_dir)
    if not csv_path.is_file():
        raise ImportFormatError(f"{csv_path} does not exist")
    # The whole file is checked before the first row is written: a bad line late in it must not half-import.
    total = check_csv(csv_path)
    fmt = detect_format(csv_path)
    report = ImportReport(total=total)
    if on_progress:
        on_progress(0, report.total)
    rows = _styles_rows(csv_path, images_dir) if fmt == "styles" else _own_rows(csv_path, images_dir)
    chunk: list[_Row] = []
    seen: set[str] = set()
    done = 0
    for row in rows:
        done += 1
        if isinstance(row, BadRow):
            report.bad.append(row)
        elif row.external_id in seen:
            report.bad.append(BadRow(row.row, row.external_id, "duplicate external id (an earlier row is kept)"))
        else:
            seen.add(row.external_id)
            chunk.append(row)
        if len(chunk) >= chunk_size:
            _write_chunk(chunk, report)
            chunk = []
            if on_progress:
                on_progress(done, report.total)
    if chunk:
        _write_chunk(chunk, report)
    if on_progress:
        on_progress(report.total, report.total)
    report.bad.sort(key=lambda b: b.row)
    report.seconds = time.perf_counter() - started
    return report


def set_active(*, item_ids: list[int], active: bool) -> int:
    """Activate or retire items. A retired item drops out of recommendations at once (selectors filter by it)."""
    return InventoryItem.objects.filter(pk__in=item_ids).exclude(is_active=active).update(
        is_active=active, updated_at=timezone.now()
    )
