"""Reads of the closet. Every query is scoped to its owner: there is no selector that returns someone else's garment."""
from __future__ import annotations

import io
import json
import zipfile
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db.models import Count, Q, QuerySet

from wardrobe import taxonomy
from wardrobe.models import Garment


def garment_list(*, user: AbstractBaseUser, category: str = "", colour: str = "", q: str = "") -> QuerySet[Garment]:
    """The user's garments, newest first, narrowed by category, colour and a text search over name and brand."""
    qs = Garment.objects.filter(owner=user).defer("embedding")
    if category:
        qs = qs.filter(category=category)
    if colour:
        qs = qs.filter(colour=colour)
    for word in q.split():
        qs = qs.filter(Q(name__icontains=word) | Q(brand__icontains=word))
    return qs


def garment_get(*, user: AbstractBaseUser, pk: int) -> Garment:
    """One of the user's garments. Raises Garment.DoesNotExist for a garment of anyone else, as for a missing one."""
    return Garment.objects.get(owner=user, pk=pk)


def closet_facets(*, user: AbstractBaseUser) -> dict[str, list[tuple[str, str, int]]]:
    """Categories and colours present in the user's closet, with counts, in taxonomy order (for the filter bar)."""
    base = Garment.objects.filter(owner=user)
    categories = dict(base.values_list("category").annotate(n=Count("id")))
    colours = dict(base.exclude(colour="").values_list("colour").annotate(n=Count("id")))
    return {
        "categories": [(code, label, categories[code]) for code, label in taxonomy.CATEGORY_CHOICES if code in categories],
        "colours": [(code, label, colours[code]) for code, label in taxonomy.COLOUR_CHOICES if code in colours],
    }


def closet_export(*, user: AbstractBaseUser, out: IO[bytes]) -> int:
    """Write the user's data as a zip: garments.json (every garment's fields) and images/<id>.jpg. Returns the
    number of garments."""
    garments = list(Garment.objects.filter(owner=user).order_by("id"))
    records = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for g in garments:
            image_path = f"images/{g.pk}.jpg"
            try:
                with default_storage.open(g.image.name, "rb") as fh:
                    zf.writestr(image_path, fh.read())
            except (OSError, ValueError):
                image_path = ""
            records.append(
                {
                    "id": g.pk,
                    "name": g.name,
                    "brand": g.brand,
                    "category": g.category,
                    "colour": g.colour,
                    "size": g.size,
                    "price_paid": str(g.price_paid) if g.price_paid is not None else None,
                    "notes": g.notes,
                    "created_at": g.created_at.isoformat(),
                    "updated_at": g.updated_at.isoformat(),
                    "image": image_path,
                }
            )
        account = {"username": user.get_username(), "email": getattr(user, "email", "")}
        zf.writestr("garments.json", json.dumps({"account": account, "garments": records}, indent=2))
    return len(garments)


def closet_export_bytes(*, user: AbstractBaseUser) -> bytes:
    buffer = io.BytesIO()
    closet_export(user=user, out=buffer)
    return buffer.getvalue()
