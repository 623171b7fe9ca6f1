"""Shared factory_boy factories and small image makers for tests (other apps add their factories here too)."""
from __future__ import annotations

import io

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wardrobe import services, taxonomy
from wardrobe.models import Garment

PASSWORD = "a-long-test-password-42"


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (60, 80), colour=(200, 60, 60), mode: str = "RGB", **save) -> bytes:
    """A small solid image encoded in `fmt`; extra keywords go to Image.save (exif=..., quality=...)."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def red_shirt_on_white() -> bytes:
    """A catalogue-style photo: a red block on a white sweep (background removal leaves it as it is)."""
    img = Image.new("RGB", (200, 300), "white")
    img.paste((200, 20, 20), (60, 80, 140, 220))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=95)
    return out.getvalue()


def upload(name: str = "photo.jpg", data: bytes | None = None, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type=content_type)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class GarmentFactory(factory.django.DjangoModelFactory):
    """Builds garments through the upload service, so every garment has real, normalised image files."""

    class Meta:
        model = Garment

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Garment {n}")
    brand = "Acme"
    category = taxonomy.TOPS
    colour = "red"
    image = factory.LazyFunction(upload)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.garment_create(**kwargs)


class InventoryItemFactory(factory.django.DjangoModelFactory):
    """An inventory item with a stored photo; `vector=` (a numpy array) makes it ready with that embedding."""

    class Meta:
        model = "recommender.InventoryItem"

    external_id = factory.Sequence(lambda n: f"ext-{n}")
    name = factory.Sequence(lambda n: f"Acme Men Blue Shirt {n}")
    brand = "Acme"
    category = taxonomy.TOPS
    colour = "blue"
    gender = "Men"
    image = factory.django.ImageField(width=60, height=80, color="blue", filename="item.jpg")
    thumbnail = factory.SelfAttribute("image")

    @classmethod
    def _create(cls, model_class, *args, vector=None, model_version: str = "test-model-v1", **kwargs):
        import numpy as np

        obj = model_class(*args, **kwargs)
        if vector is not None:
            obj.embedding_state = "ready"
            obj.embedding = np.asarray(vector, dtype="<f4").tobytes()
            obj.embedding_version = model_version
        obj.save()
        return obj


class OutfitFactory(factory.django.DjangoModelFactory):
    """An outfit made through the outfit service (items, slots and a real cover collage). Pass `garments=[...]`;
    without them it makes a top and a bottom for its owner."""

    class Meta:
        model = "wardrobe.Outfit"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Outfit {n}")

    @classmethod
    def _create(cls, model_class, *args, garments=None, **kwargs):
        from wardrobe import outfits

        owner = kwargs["owner"]
        if garments is None:
            garments = [
                GarmentFactory(owner=owner, category=taxonomy.TOPS, colour="white"),
                GarmentFactory(owner=owner, category=taxonomy.BOTTOMS, colour="navy"),
            ]
        return outfits.outfit_create(garment_ids=[g.pk for g in garments], **kwargs)


class WearFactory(factory.django.DjangoModelFactory):
    """A wear log entry made through the wear service; give `garment=` or `outfit=` (default: a new garment)."""

    class Meta:
        model = "wardrobe.Wear"

    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, garment=None, outfit=None, date=None, **kwargs):
        from wardrobe import wears

        owner = kwargs["owner"]
        if garment is None and outfit is None:
            garment = GarmentFactory(owner=owner)
        return wears.wear_log(owner=owner, date=date, garment=garment, outfit=outfit)
