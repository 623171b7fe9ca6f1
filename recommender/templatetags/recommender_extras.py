from __future__ import annotations

import base64
from decimal import Decimal

from django import template

register = template.Library()

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "INR": "₹"}


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """12.99 with its currency symbol (or code) in front: "€12.99"."""
    if amount is None:
        return ""
    symbol = _SYMBOLS.get((currency or "").upper(), f"{currency} " if currency else "")
    return f"{symbol}{amount:,.2f}"


@register.filter
def jpeg_data_uri(data: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii") if data else ""
