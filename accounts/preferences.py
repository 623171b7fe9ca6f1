"""Shopping preferences: whom a person shops for, their sizes, a budget and occasions, as they said them.

``preferences_of`` is the one read the rest of the site uses (For you reads it; it never writes); ``preferences_set``
the one write. Every part is optional: blank, ``None`` or empty means "not said", never a guess.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from accounts.models import ShoppingPreferences
from wardrobe import taxonomy

__all__ = ["EMPTY", "FIELDS", "Preferences", "preferences_check", "preferences_of", "preferences_set"]


@dataclass(frozen=True)
class Preferences:
    """An account's preferences; the defaults are "said nothing" (shop_for "" is anyone)."""

    shop_for: str = ""  # one of accounts.models.SHOP_FOR_CHOICES (Women, Men, Girls, Boys) or "" for anyone
    clothing_size: str = ""  # one of taxonomy.CLOTHING_SIZES or ""
    shoe_size: str = ""  # one of taxonomy.SHOE_SIZES (EU) or ""
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    occasions: tuple[str, ...] = ()  # taxonomy.OCCASIONS codes, in the order chosen

    @property
    def is_empty(self) -> bool:
        return self == EMPTY

    @property
    def occasion_labels(self) -> tuple[str, ...]:
        return tuple(taxonomy.OCCASION_LABELS[code] for code in self.occasions)

    def as_dict(self) -> dict[str, Any]:
        """The fields by name (occasions as a list), as the API, the export and ``preferences_set`` take them."""
        return {**dataclasses.asdict(self), "occasions": list(self.occasions)}


EMPTY = Preferences()
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Preferences))


def _from_row(row: ShoppingPreferences) -> Preferences:
    return Preferences(
        shop_for=row.shop_for, clothing_size=row.clothing_size, shoe_size=row.shoe_size,
        budget_min=row.budget_min, budget_max=row.budget_max, occasions=tuple(row.occasions or ()),
    )


def preferences_of(*, user: AbstractBaseUser | AnonymousUser) -> Preferences:
    """The user's saved preferences, or the empty ones when they saved none (or are not logged in). One query at
    most; reading never creates a row."""
    if not user.is_authenticated:
        return EMPTY
    row = ShoppingPreferences.objects.filter(pk=user.pk).first()
    return _from_row(row) if row is not None else EMPTY


def _assign(row: ShoppingPreferences, fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TypeError(f"Unknown preference field(s): {', '.join(unknown)}")
    for name, value in fields.items():
        if name == "occasions" and isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict)):
            value = list(value)  # a tuple from a Preferences, a list from JSON: stored as a list
        elif name in ("shop_for", "clothing_size", "shoe_size") and value is None:
            value = ""
        setattr(row, name, value)


def _validate(row: ShoppingPreferences) -> None:
    # clean() states every check constraint on its field; the row's key is its user, so nothing else is unique.
    row.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)


def preferences_check(**fields: Any) -> Preferences:
    """Validate preferences without saving them (a sign-up before its account exists, a restore's first pass).
    Raises ValidationError per field; returns them as they would be stored."""
    row = ShoppingPreferences()
    _assign(row, fields)
    _validate(row)
    return _from_row(row)


@transaction.atomic
def preferences_set(*, user: AbstractBaseUser, **fields: Any) -> Preferences:
    """Change the given fields of the user's preferences (creating them on the first save); the others keep their
    value. Raises ValidationError per field, and then nothing is saved."""
    # get_or_create, not a read then an insert: two first saves at once would collide. The empty row it may insert
    # goes with the rest when validation fails (this is one transaction).
    row, _ = ShoppingPreferences.objects.select_for_update().get_or_create(user=user)
    _assign(row, fields)
    _validate(row)
    row.save()
    return _from_row(row)
