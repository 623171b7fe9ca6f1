from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString

from recommender import cards, formatting
from recommender.models import InventoryItem

register = template.Library()

register.filter("money", formatting.money)
register.filter("jpeg_data_uri", formatting.jpeg_data_uri)


@register.simple_tag(takes_context=True)
def shop_card(context: template.Context, item: InventoryItem, *, score: float | None = None, unlike: bool = False) -> SafeString:
    """``{% shop_card item %}``: a shop item's card on a Django page, rendered by the same Jinja2 component as the
    For you grid (recommender.cards.shop_card_html). ``score``: the style similarity shown on a match; ``unlike``:
    the Liked page's card, whose one action takes the like back."""
    request = context["request"]
    return cards.shop_card_html(
        item, score=score, unlike=unlike, csrf_token=get_token(request), next_url=request.get_full_path()
    )
