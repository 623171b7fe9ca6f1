"""Reads of the closet. Every query is scoped to its owner: there is no selector that returns someone else's garment."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, When

from wardrobe import taxonomy
from wardrobe.models import Garment, Tag


# Closet orderings: code -> label. Ties fall back to newest first, so a page order is stable.
SORT_CHOICES: list[tuple[str, str]] = [
    ("newest", "Newest"), ("most_worn", "Most worn"), ("least_worn", "Least worn"),
    ("cost_per_wear", "Cost per wear (lowest)"), ("price", "Price paid (highest)"),
]
SORTS: frozenset[str] = frozenset(code for code, _ in SORT_CHOICES)


def _sorted(qs: QuerySet[Garment], sort: str) -> QuerySet[Garment]:
    if sort in ("", "newest"):
        return qs
    if sort == "price":
        return qs.order_by(F("price_paid").desc(nulls_last=True), "-created_at", "-id")
    qs = qs.annotate(wear_count=Count("worn_in", distinct=True))
    if sort == "most_worn":
        return qs.order_by("-wear_count", "-created_at", "-id")
    if sort == "least_worn":
        return qs.order_by("wear_count", "-created_at", "-id")
    if sort == "cost_per_wear":
        # Price over wears; a garment never worn (or without a price) has no cost per wear yet and sorts last.
        cpw = Case(
            When(wear_count__gt=0, price_paid__isnull=False,
                 then=ExpressionWrapper(F("price_paid") / F("wear_count"), output_field=DecimalField(max_digits=12, decimal_places=4))),
            default=None,
            output_field=DecimalField(max_digits=12, decimal_places=4),
        )
        return qs.annotate(cost_per_wear=cpw).order_by(F("cost_per_wear").asc(nulls_last=True), "-created_at", "-id")
    raise ValueError(f"unknown sort {sort!r}; one of {', '.join(sorted(SORTS))}")


def garment_list(
    *, user: AbstractBaseUser, category: str = "", colour: str = "", q: str = "", season: str = "", tag: str = "",
    archived: bool | None = False, sort: str = "newest",
) -> QuerySet[Garment]:
    """The user's garments in the closet (``archived``: only the archived ones instead; None: both), narrowed by
    category, colour, season, a tag and a text search over name and brand, in the order ``sort`` names."""
    qs = Garment.objects.filter(owner=user).defer("embedding")
    if archived is not None:
        qs = qs.filter(archived_at__isnull=not archived)
    if category:
        qs = qs.filter(category=category)
    if colour:
        qs = qs.filter(colour=colour)
    if season:
        qs = qs.filter(season=season)
    if tag:
        qs = qs.filter(tags__name=tag)
    for word in q.split():
        qs = qs.filter(Q(name__icontains=word) | Q(brand__icontains=word))
    return _sorted(qs, sort)


def garment_tag_names(*, garment_ids: list[int]) -> dict[int, list[str]]:
    """Tag names by garment id, in one query (for a page or an API page of garments)."""
    through = Garment.tags.through
    names: dict[int, list[str]] = {pk: [] for pk in garment_ids}
    for garment_id, name in through.objects.filter(garment_id__in=garment_ids).order_by("tag__name").values_list("garment_id", "tag__name"):
        names[garment_id].append(name)
    return names


def tag_list(*, user: AbstractBaseUser) -> list[tuple[str, int]]:
    """The user's tags with how many garments in the closet carry each, by name."""
    return list(
        Tag.objects.filter(owner=user)
        .annotate(n=Count("garments", filter=Q(garments__archived_at__isnull=True)))
        .order_by("name").values_list("name", "n")
    )


def archived_count(*, user: AbstractBaseUser) -> int:
    return Garment.objects.filter(owner=user, archived_at__isnull=False).count()


def garment_get(*, user: AbstractBaseUser, pk: int) -> Garment:
    """One of the user's garments. Raises Garment.DoesNotExist for a garment of anyone else, as for a missing one."""
    return Garment.objects.get(owner=user, pk=pk)


def closet_facets(*, user: AbstractBaseUser) -> dict[str, list[tuple[str, str, int]]]:
    """Categories and colours present in the user's closet, with counts, in taxonomy order (for the filter bar)."""
    base = Garment.objects.filter(owner=user, archived_at__isnull=True)
    categories = dict(base.values_list("category").annotate(n=Count("id")))
    colours = dict(base.exclude(colour="").values_list("colour").annotate(n=Count("id")))
    return {
        "categories": [(code, label, categories[code]) for code, label in taxonomy.CATEGORY_CHOICES if code in categories],
        "colours": [(code, label, colours[code]) for code, label in taxonomy.COLOUR_CHOICES if code in colours],
    }
