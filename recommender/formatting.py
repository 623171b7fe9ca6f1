"""How the shop's values read on a page: prices with their currency, photos inlined. Plain functions, so the Django
filters (recommender_extras), the Jinja2 environment and the card builder (recommender.cards) share them."""
from __future__ import annotations

import base64
from decimal import Decimal

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "INR": "₹"}


def money(amount: Decimal | None, currency: str = "") -> str:
    """12.99 with its currency symbol (or code) in front: "€12.99"."""
    if amount is None:
        return ""
    symbol = _SYMBOLS.get((currency or "").upper(), f"{currency} " if currency else "")
    return f"{symbol}{amount:,.2f}"


def jpeg_data_uri(data: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii") if data else ""
