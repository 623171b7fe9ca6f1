"""What a person told us they shop for (asked at sign-up and on the profile, never guessed): every part optional.

Read it through ``accounts.preferences.preferences_of``; write it through ``preferences_set``.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from wardrobe import taxonomy

# Whom a person shops for: the inventory's genders less Unisex, which is a kind of item, not a person. Blank: anyone.
SHOP_FOR_CHOICES: list[tuple[str, str]] = [(g, g) for g in taxonomy.GENDERS if g != taxonomy.UNISEX]
CLOTHING_SIZE_CHOICES: list[tuple[str, str]] = [(s, s) for s in taxonomy.CLOTHING_SIZES]
SHOE_SIZE_CHOICES: list[tuple[str, str]] = [(s, f"EU {s}") for s in taxonomy.SHOE_SIZES]

_NOT_NEGATIVE = [MinValueValidator(Decimal("0"), message="A price cannot be below zero.")]


class ShoppingPreferences(models.Model):
    """One row per account that saved any; an account without a row has said nothing (every part "anyone")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="shopping_preferences"
    )
    shop_for = models.CharField(max_length=10, choices=SHOP_FOR_CHOICES, blank=True)
    clothing_size = models.CharField(max_length=4, choices=CLOTHING_SIZE_CHOICES, blank=True)
    shoe_size = models.CharField(max_length=4, choices=SHOE_SIZE_CHOICES, blank=True)
    budget_min = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True, validators=_NOT_NEGATIVE)
    budget_max = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True, validators=_NOT_NEGATIVE)
    # A list of taxonomy.OCCASIONS codes: JSON, not an array column, because the project also runs on SQLite.
    occasions = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "shopping preferences"
        verbose_name_plural = "shopping preferences"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True) | models.Q(budget_min__gte=0),
                name="prefs_budget_min_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_max__isnull=True) | models.Q(budget_max__gte=0),
                name="prefs_budget_max_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="prefs_budget_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return f"Shopping preferences of user {self.user_id}"

    def clean(self) -> None:
        """The checks no single field can make, each reported on its field (the check constraints back them up)."""
        errors: dict[str, list[str]] = {}
        low, high = self.budget_min, self.budget_max
        # A field that failed its own validation still holds the raw value: compare only real amounts.
        if isinstance(low, Decimal) and isinstance(high, Decimal) and low > high:
            errors["budget_max"] = [f"The most you would spend ({high}) is below the least ({low})."]
        if not isinstance(self.occasions, list) or not all(isinstance(o, str) for o in self.occasions):
            errors["occasions"] = ["Occasions must be a list of occasion names."]
        else:
            unknown = [o for o in self.occasions if o not in taxonomy.OCCASIONS]
            if unknown:
                known = ", ".join(code for code, _ in taxonomy.OCCASION_CHOICES)
                errors["occasions"] = [f"Unknown occasion {', '.join(map(repr, unknown))}: choose from {known}."]
            elif len(set(self.occasions)) != len(self.occasions):
                errors["occasions"] = ["Each occasion can be chosen once."]
        if errors:
            raise ValidationError(errors)
