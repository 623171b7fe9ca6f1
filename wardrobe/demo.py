"""The demo closet behind `manage.py load_demo`: account demo/demo with a handful of garments.

Photos come from the styles-format dataset when there is one; otherwise simple garment silhouettes are drawn with
Pillow, so a clean clone with no data still gets a closet to look at.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from ml.data import iter_styles
from wardrobe import services, taxonomy

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
_CATEGORY_ORDER = [
    taxonomy.TOPS, taxonomy.BOTTOMS, taxonomy.SHOES, taxonomy.DRESSES, taxonomy.BAGS,
    taxonomy.OUTERWEAR, taxonomy.ACCESSORIES, taxonomy.JEWELLERY,
]


@dataclass
class DemoSpec:
    name: str
    brand: str
    category: str
    colour: str
    image: bytes
    filename: str


@dataclass
class DemoResult:
    user_created: bool
    source: str
    created: list[str] = field(default_factory=list)
    existing: int = 0


# The demo closet is one person's (women's and unisex items), as a real closet is: For you reads whose clothes
# they are from the photos (recommender.closet_traits), and a mixed closet would be shown unisex items only.
DEMO_GENDERS = (taxonomy.WOMEN, taxonomy.UNISEX)


def _dataset_specs(data_dir: Path, count: int) -> list[DemoSpec]:
    """One item per category in _CATEGORY_ORDER (first found in file order, DEMO_GENDERS only), then more tops,
    until count."""
    csv_path = data_dir / "items.csv"
    if not csv_path.is_file():
        return []
    picked: dict[str, list] = {c: [] for c in _CATEGORY_ORDER}
    for item in iter_styles(csv_path):
        category = taxonomy.category_for(item.master_category, item.sub_category, item.article_type)
        if (
            category in picked and len(picked[category]) < count and item.gender in DEMO_GENDERS
            and item.image_path(data_dir).is_file()
        ):
            picked[category].append(item)
    order = [items[i] for i in range(count) for c in _CATEGORY_ORDER if len(items := picked[c]) > i]
    specs = []
    for item in order[:count]:
        words = item.name.split()
        specs.append(
            DemoSpec(
                name=item.name,
                brand=words[0] if words else "",
                category=taxonomy.category_for(item.master_category, item.sub_category, item.article_type),
                colour=taxonomy.colour_for(item.base_colour),
                image=item.image_path(data_dir).read_bytes(),
                filename=f"{item.id}.jpg",
            )
        )
    return specs


def _draw(shape: str, colour: str) -> bytes:
    fill = taxonomy.COLOUR_HEX[colour]
    img = Image.new("RGB", (600, 750), "#fbfaf8")
    d = ImageDraw.Draw(img)
    outline = "#3a3a3a"
    shapes = {
        "tshirt": [(170, 140), (250, 110), (350, 110), (430, 140), (520, 250), (450, 300), (420, 270), (420, 640), (180, 640), (180, 270), (150, 300), (80, 250)],
        "trousers": [(200, 110), (400, 110), (430, 650), (330, 650), (300, 300), (270, 650), (170, 650)],
        "dress": [(240, 100), (360, 100), (380, 260), (480, 660), (120, 660), (220, 260)],
        "jacket": [(160, 130), (250, 100), (350, 100), (440, 130), (520, 620), (440, 630), (420, 330), (420, 650), (180, 650), (180, 330), (160, 630), (80, 620)],
        "shoe": [(100, 420), (300, 400), (380, 450), (500, 470), (520, 540), (100, 540)],
        "bag": [(150, 300), (450, 300), (480, 620), (120, 620)],
        "skirt": [(220, 180), (380, 180), (470, 600), (130, 600)],
        "cap": [(150, 420), (200, 280), (300, 240), (400, 280), (440, 420), (560, 440), (560, 470), (150, 470)],
    }
    d.polygon(shapes[shape], fill=fill, outline=outline, width=4)
    if shape == "bag":
        d.arc((200, 170, 400, 430), 180, 360, fill=outline, width=14)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _generated_specs(count: int) -> list[DemoSpec]:
    catalogue = [
        ("Everyday crew tee", "Basics Co", taxonomy.TOPS, "white", "tshirt"),
        ("Slim chinos", "Northline", taxonomy.BOTTOMS, "beige", "trousers"),
        ("Wrap midi dress", "Maison Vert", taxonomy.DRESSES, "green", "dress"),
        ("Denim jacket", "Indigo Works", taxonomy.OUTERWEAR, "blue", "jacket"),
        ("Leather sneakers", "Stride", taxonomy.SHOES, "white", "shoe"),
        ("Canvas tote", "Carryall", taxonomy.BAGS, "olive", "bag"),
        ("Pleated skirt", "Maison Vert", taxonomy.BOTTOMS, "navy", "skirt"),
        ("Baseball cap", "Stride", taxonomy.ACCESSORIES, "red", "cap"),
        ("Striped tee", "Basics Co", taxonomy.TOPS, "navy", "tshirt"),
        ("Black jeans", "Indigo Works", taxonomy.BOTTOMS, "black", "trousers"),
    ]
    specs = []
    for i in range(count):
        name, brand, category, colour, shape = catalogue[i % len(catalogue)]
        specs.append(DemoSpec(name, brand, category, colour, _draw(shape, colour), f"demo-{i}.jpg"))
    return specs


def demo_closet_load(*, data_dir: Path | str | None, count: int = 8) -> DemoResult:
    """Make sure the demo account exists with password "demo" and holds at least `count` garments. Running it
    again changes nothing (garments are matched by name)."""
    User = get_user_model()
    user, user_created = User.objects.get_or_create(username=DEMO_USERNAME)
    if user_created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    existing_names = set(user.garments.values_list("name", flat=True))
    specs = _dataset_specs(Path(data_dir), count) if data_dir else []
    source = f"dataset {data_dir}" if specs else "generated images (no dataset found)"
    if not specs:
        specs = _generated_specs(count)
    result = DemoResult(user_created=user_created, source=source, existing=len(existing_names))
    missing = max(count - len(existing_names), 0)
    for spec in specs:
        if missing == 0:
            break
        if spec.name in existing_names:
            continue
        services.garment_create(
            owner=user,
            image=SimpleUploadedFile(spec.filename, spec.image, content_type="image/jpeg"),
            name=spec.name,
            brand=spec.brand,
            category=spec.category,
            colour=spec.colour,
        )
        result.created.append(spec.name)
        missing -= 1
    return result
