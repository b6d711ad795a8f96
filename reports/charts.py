"""Server-rendered SVG bar charts, readable without colour.

Each bar carries its value as text; the selected month is hatched and says so,
a bar over budget is cross-hatched and says so, and the budget is a dashed
mark. Geometry is formatted here, not in the template, so that localised number
formatting never reaches an SVG attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from portal import formatting

WIDTH = 720
LABEL_WIDTH = 170
VALUE_WIDTH = 190
ROW_HEIGHT = 28
BAR_HEIGHT = 18
TOP = 12
LEGEND_HEIGHT = 44


@dataclass(frozen=True)
class Point:
    label: str
    value: Decimal
    reference: Decimal | None = None  # the budget, drawn as a dashed mark
    selected: bool = False


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: str
    text_y: str
    width: str
    value_x: str
    marker_x: str | None
    row_top: str
    row_bottom: str
    fill: str


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: int
    height: int
    label_x: int
    bar_x: int
    bars: list[Bar]
    legend: list[tuple[str, str]]  # (y, text)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def bar_chart(title: str, description: str, points: Sequence[Point]) -> BarChart:
    scale_max = max(
        [p.value for p in points] + [p.reference or 0 for p in points] + [Decimal(1)]
    )
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for i, p in enumerate(points):
        top = TOP + i * ROW_HEIGHT
        over = p.reference is not None and p.value > p.reference
        notes = []
        if p.selected:
            notes.append(_("selected"))
        if over:
            notes.append(_("over budget"))
        value_text = formatting.money(p.value) + (
            f" ({', '.join(notes)})" if notes else ""
        )
        width = float(p.value / scale_max) * span
        bars.append(
            Bar(
                label=p.label,
                value_text=value_text,
                y=_fmt(top + (ROW_HEIGHT - BAR_HEIGHT) / 2),
                text_y=_fmt(top + ROW_HEIGHT / 2 + 4),
                width=_fmt(width),
                value_x=_fmt(LABEL_WIDTH + width + 6),
                marker_x=(
                    _fmt(LABEL_WIDTH + float(p.reference / scale_max) * span)
                    if p.reference is not None
                    else None
                ),
                row_top=_fmt(top + 1),
                row_bottom=_fmt(top + ROW_HEIGHT - 1),
                fill=(
                    "url(#cross)"
                    if over
                    else "url(#hatch)"
                    if p.selected
                    else "#0b6e4f"
                ),
            )
        )
    legend_top = TOP + len(points) * ROW_HEIGHT + 16
    legend = [
        (
            _fmt(legend_top),
            _("Hatched: the selected month. Cross-hatched: over budget."),
        ),
        (_fmt(legend_top + 18), _("Dashed mark: the budget.")),
    ]
    return BarChart(
        title=title,
        description=description,
        width=WIDTH,
        height=legend_top + LEGEND_HEIGHT - 16,
        label_x=LABEL_WIDTH - 8,
        bar_x=LABEL_WIDTH,
        bars=bars,
        legend=legend,
    )


def svg_response(request: HttpRequest, chart: BarChart) -> HttpResponse:
    body = render_to_string("reports/bar_chart.svg", {"chart": chart}, request)
    return HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
