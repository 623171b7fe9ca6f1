"""Server-rendered SVG charts for the insights page (no chart library, no CDN). Every chart has a <title> and the
page prints its numbers next to it too, so a screen reader and a phone get the same facts."""
from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_COLOUR = "#3a6fd8"


def hbar_chart(rows: Sequence[tuple[str, float, str]], *, title: str, colours: Sequence[str] | None = None) -> SafeString:
    """Horizontal bars: one row per (label, value, value text), labels on the left, scaled to the largest value."""
    if not rows:
        return SafeString("")
    row_h, label_w, width, value_w = 26, 150, 560, 70
    bar_w = width - label_w - value_w
    top = max(v for _, v, _ in rows) or 1
    height = row_h * len(rows) + 4
    bars = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="{}" y="17" text-anchor="end" class="chart__label">{}</text>'
        '<rect x="{}" y="4" width="{}" height="18" rx="3" fill="{}"></rect>'
        '<text x="{}" y="17" class="chart__value">{}</text></g>',
        (
            (
                i * row_h, label_w - 8, label if len(label) <= 20 else label[:19] + "\u2026", label_w, f"{max(value / top * bar_w, 1 if value else 0):.1f}",
                (colours[i] if colours else BAR_COLOUR), label_w + value / top * bar_w + 6, text,
            )
            for i, (label, value, text) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">'
        "<title>{}</title>{}</svg>",
        width, height, title, title, bars,
    )


def column_chart(rows: Sequence[tuple[str, float]], *, title: str) -> SafeString:
    """Vertical columns (e.g. wears per month), value above each column and its label below."""
    if not rows:
        return SafeString("")
    width, height, base, pad = 560, 200, 170, 20
    slot = (width - 2 * pad) / len(rows)
    top = max(v for _, v in rows) or 1
    cols = format_html_join(
        "",
        '<g><rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"></rect>'
        '<text x="{}" y="{}" text-anchor="middle" class="chart__value">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" class="chart__label">{}</text></g>',
        (
            (
                f"{pad + i * slot + slot * 0.15:.1f}", f"{base - v / top * 130:.1f}", f"{slot * 0.7:.1f}",
                f"{v / top * 130:.1f}", BAR_COLOUR, f"{pad + (i + 0.5) * slot:.1f}", f"{base - v / top * 130 - 4:.1f}",
                int(v), f"{pad + (i + 0.5) * slot:.1f}", base + 18, label,
            )
            for i, (label, v) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">'
        "<title>{}</title>{}</svg>",
        width, height, title, title, cols,
    )
