"""The one shop-item card, and the For you page's body as HTML.

Every page that shows a shop item renders it with the Jinja2 component ``recommender/card_item.html``: For you
through ``card_view`` and ``recommender/cards.html``, the Django pages (Liked, Find similar, Style this) through
``shop_card_html`` (the ``{% shop_card %}`` tag).

The grid is the page's hot loop: 24 cards of about a dozen fields and five links each. Django's template language
spent ~12 ms on it per page (variable resolution and ``{% url %}`` reverses), so the cards are turned into plain
``CardView`` rows here (URLs filled into patterns reversed once per process) and the page's body is rendered by the
Jinja2 templates ``recommender/for_you_content.html`` and ``recommender/cards.html``. The parts of a card that depend
on the item alone are rendered once per item version (``item_card``); a page adds the user's own marks.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from markupsafe import Markup

from recommender.forms import RecommendationFilterForm
from recommender.models import InventoryItem
from recommender.selectors import RecommendationCard, RecommendationPage
from recommender.formatting import money
from accounts.models import SHOP_FOR_CHOICES
from wardrobe import taxonomy
from wardrobe.http import url, url_for_pk


@dataclass(frozen=True)
class ItemCard:
    """What a card shows of the item alone, as plain strings; ``media``, ``text`` and ``links`` are its rendered HTML
    (recommender/card_item.html)."""

    item_id: int
    name: str
    meta: str  # "Brand · Category"
    price: str  # "€12.99"; empty when the shop gave no price
    thumbnail_url: str
    href: str  # the product page when known (then it leaves the site), else the item's "similar" page
    similar_url: str
    product_url: str
    media: Markup = Markup()
    text: Markup = Markup()
    links: Markup = Markup()


@dataclass(frozen=True)
class CardView:
    """One card of one page: the item's parts and this user's because, like and explore marks."""

    item_id: int
    media: Markup
    text: Markup
    links: Markup
    explore: bool
    liked: bool
    because_name: str = ""
    because_url: str = ""
    because_thumbnail_url: str = ""
    because_inspiration: bool = False  # the because is a mood-board photo ("Inspired by"), not an owned garment


ITEM_CARD_CACHE_SIZE = 50_000  # rendered item parts kept per process before the cache starts over
_item_cards: dict[tuple[int, object], ItemCard] = {}


def item_card(item: InventoryItem) -> ItemCard:
    """The item's card parts, rendered once per item version (its pk and ``updated_at``, which every change of the
    row moves) and reused by every page that shows it: the grid is most of a page's template work."""
    key = (item.pk, item.updated_at)
    card = _item_cards.get(key)
    if card is None:
        if len(_item_cards) >= ITEM_CARD_CACHE_SIZE:
            _item_cards.clear()
        card = _item_cards[key] = _render_item_card(item)
    return card


def _render_item_card(item: InventoryItem) -> ItemCard:
    similar_url = url_for_pk("recommender:similar-item", item.pk)
    category = taxonomy.CATEGORY_LABELS.get(item.category, item.category)
    card = ItemCard(
        item_id=item.pk,
        name=item.name,
        meta=f"{item.brand} · {category}" if item.brand else category,
        price=money(item.price, item.currency) if item.price is not None else "",
        thumbnail_url=url_for_pk("recommender:item-image", item.pk, "thumb"),
        href=item.product_url or similar_url,
        similar_url=similar_url,
        product_url=item.product_url,
    )
    parts = _component()
    return dataclasses.replace(card, media=parts.media(card), text=parts.text(card), links=parts.links(card))


def _component():
    """The macros of recommender/card_item.html (the template is compiled once and cached by the loader)."""
    return get_template("recommender/card_item.html", using="jinja2").template.module


def shop_card_html(
    item: InventoryItem, *, csrf_token: str, next_url: str, score: float | None = None, unlike: bool = False
) -> SafeString:
    """A shop item's card for a Django page: a match (with its ``score``) or, with ``unlike``, a Liked card whose
    one action takes the like back. The same component and the same cached item parts as the For you grid."""
    parts = _component()
    actions = parts.unlike_action(item.pk, url("recommender:feedback"), csrf_token, next_url) if unlike else Markup()
    html = parts.shop_card(
        item_card(item), liked=unlike, compact=not unlike, score=score, retired=not item.is_active, actions=actions
    )
    return mark_safe(str(html))  # noqa: S308 - Jinja2 autoescaped every value


def card_view(card: RecommendationCard) -> CardView:
    item = item_card(card.item)
    because, photo = card.because, card.inspiration
    marks: dict[str, object] = {}
    if photo is not None:
        marks = {
            "because_name": photo.label,
            "because_url": f'{url_for_pk("wardrobe:board-detail", photo.board_id)}#photo-{photo.pk}',
            "because_thumbnail_url": url_for_pk("wardrobe:board-photo-image", photo.pk, "thumb"),
            "because_inspiration": True,
        }
    elif because is not None:
        marks = {
            "because_name": because.name,
            "because_url": url_for_pk("wardrobe:garment-detail", because.pk),
            "because_thumbnail_url": url_for_pk("wardrobe:garment-image", because.pk, "thumb"),
        }
    return CardView(
        item_id=item.item_id, media=item.media, text=item.text, links=item.links, explore=card.explore,
        liked=card.feedback == "like", **marks,  # type: ignore[arg-type]
    )


def for_you_content(
    page: RecommendationPage, *, form: RecommendationFilterForm, request: HttpRequest, next_seed: int
) -> SafeString:
    """The body of the For you page (filters, states, the card grid or its groups) as HTML."""
    query = request.GET.copy()
    query.pop("seed", None)
    query.pop("cursor", None)
    views = {id(c): card_view(c) for c in page.cards}  # the groups hold the same cards
    html = get_template("recommender/for_you_content.html", using="jinja2").render(
        {
            "page": page,
            "form": form,
            "user": request.user,
            "query_string": query.urlencode(),
            "next_seed": next_seed,
            "next_cursor": page.next_cursor,
            "closet_genders": sorted(page.closet_genders or (), key=lambda g: (g == taxonomy.UNISEX, g)),
            "stated": [a for a in page.applied if a.source == "profile"],
            "shop_for_choices": SHOP_FOR_CHOICES,
            "cards": [views[id(c)] for c in page.cards],
            "groups": [
                {"label": g.label, "board": g.board, "complete": g.complete, "cards": [views[id(c)] for c in g.cards]} for g in page.groups
            ],
            "feedback_url": url("recommender:feedback"),
            "next_url": request.get_full_path(),
            # Once per page: Jinja2's lazy csrf_input would mask a fresh token for every card.
            "csrf_token": get_token(request),
        },
    )
    return mark_safe(html)  # noqa: S308 - Jinja2 autoescaped every value
