"""What a For you card shows, as plain strings, and the For you page's body as HTML.

The grid is the page's hot loop: 24 cards of about a dozen fields and five links each. Django's template language
spent ~12 ms on it per page (variable resolution and ``{% url %}`` reverses), so the cards are turned into plain
``CardView`` rows here (URLs filled into patterns reversed once per process) and the page's body is rendered by the
Jinja2 templates ``recommender/for_you_content.html`` and ``recommender/cards.html``.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from closetspace_site.jinja2 import url
from recommender.forms import RecommendationFilterForm
from recommender.recommendations import RecommendationCard, RecommendationPage
from recommender.templatetags.recommender_extras import money
from wardrobe import taxonomy
from wardrobe.http import url_for_pk


@dataclass(frozen=True)
class CardView:
    item_id: int
    name: str
    meta: str  # "Brand · Category"
    price: str  # "€12.99"; empty when the shop gave no price
    thumbnail_url: str
    href: str  # the product page when known (then it leaves the site), else the item's "similar" page
    similar_url: str
    product_url: str
    explore: bool
    liked: bool
    because_name: str = ""
    because_url: str = ""
    because_thumbnail_url: str = ""


def card_view(card: RecommendationCard) -> CardView:
    item = card.item
    similar_url = url_for_pk("recommender:similar-item", item.pk)
    because = card.because
    category = taxonomy.CATEGORY_LABELS.get(item.category, item.category)
    return CardView(
        item_id=item.pk,
        name=item.name,
        meta=f"{item.brand} · {category}" if item.brand else category,
        price=money(item.price, item.currency) if item.price is not None else "",
        thumbnail_url=url_for_pk("recommender:item-image", item.pk, "thumb"),
        href=item.product_url or similar_url,
        similar_url=similar_url,
        product_url=item.product_url,
        explore=card.explore,
        liked=card.feedback == "like",
        because_name=because.name if because is not None else "",
        because_url=url_for_pk("wardrobe:garment-detail", because.pk) if because is not None else "",
        because_thumbnail_url=url_for_pk("wardrobe:garment-image", because.pk, "thumb") if because is not None else "",
    )


def for_you_content(
    page: RecommendationPage, *, form: RecommendationFilterForm, request: HttpRequest, next_seed: int
) -> SafeString:
    """The body of the For you page (filters, states, the card grid or its groups) as HTML."""
    query = request.GET.copy()
    query.pop("seed", None)
    html = get_template("recommender/for_you_content.html", using="jinja2").render(
        {
            "page": page,
            "form": form,
            "user": request.user,
            "query_string": query.urlencode(),
            "next_seed": next_seed,
            "closet_genders": sorted(page.closet_genders or (), key=lambda g: (g == "Unisex", g)),
            "cards": [card_view(c) for c in page.cards],
            "groups": [{"label": g.label, "cards": [card_view(c) for c in g.cards]} for g in page.groups],
            "feedback_url": url("recommender:feedback"),
            "next_url": request.get_full_path(),
            # Once per page: Jinja2's lazy csrf_input would mask a fresh token for every card.
            "csrf_token": get_token(request),
        },
    )
    return mark_safe(html)  # noqa: S308 - Jinja2 autoescaped every value
