"""Bar charts drawn on the server as HTML: nothing is downloaded, no script runs.

Labels and numbers are HTML text in the page's own font size (readable on a 390 px phone,
where an SVG drawn 640 units wide would shrink its text to 7 px); only the bars themselves are
tiny inline SVGs that stretch to the space left, since the page's policy allows no inline
style to set a width. Every text is escaped; every bar carries its number as text, so a chart
reads without colour and prints well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

CLASS_COLORS = {"small": "#3f8f5f", "urgent": "#c9302c", "difficult": "#d08a1e"}
BAR_COLOR = "#2f6fa8"


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked layer: its legend label, colour and a value per column."""

    label: str
    color: str
    values: Sequence[int]


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar: its label, length (any unit, scaled to the longest) and its text."""

    label: str
    value: float
    text: str


def _track(parts: Sequence[tuple[float, str, str]], full: float) -> str:
    """One bar: ``parts`` (length, colour, tooltip) laid end to end, ``full`` being 100 %."""
    rects, x = [], 0.0
    for value, color, tip in parts:
        width = 100 * value / full if full > 0 else 0.0
        if width <= 0:
            continue
        rects.append(
            f'<rect x="{x:.2f}" y="0" width="{width:.2f}" height="10" fill="{color}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        x += width
    return (
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">{"".join(rects)}</svg>'
    )


def _row(label: str, track: str, text: str) -> str:
    return (
        f'<div class="bar-row"><span class="bar-label">{escape(label)}</span>'
        f'<span class="bar-track">{track}</span><span class="bar-num">{escape(text)}</span></div>'
    )


def _chart(title: str, rows: list[str], legend: str = "") -> Markup:
    body = "".join(rows) or '<p class="muted">暂无数据</p>'
    return Markup(
        f'<div class="chart" role="figure" aria-label="{escape(title)}">'
        f'<div class="bars">{body}</div>{legend}</div>'
    )


def stacked_bars(title: str, columns: Sequence[str], series: Sequence[Series]) -> Markup:
    """One bar per column (e.g. a week), stacked by series (e.g. ticket class), with a legend."""
    totals = [sum(s.values[i] for s in series) for i in range(len(columns))]
    peak = max([*totals, 1])
    rows = []
    for i, column in enumerate(columns):
        parts = [(s.values[i], s.color, f"{column} {s.label} {s.values[i]}") for s in series]
        rows.append(_row(column, _track(parts, peak), str(totals[i])))
    keys = "".join(
        f'<span><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{s.color}"/></svg>'
        f"{escape(s.label)} {sum(s.values)}</span>"
        for s in series
    )
    return _chart(title, rows, f'<p class="legend">{keys}</p>')


def hbars(title: str, bars: Sequence[Bar], color: str = BAR_COLOR, scale: float = 0) -> Markup:
    """Horizontal bars with a label on the left and the text after each bar.

    ``scale`` is the value of a full-length bar (1.0 for shares); 0 means the longest bar.
    """
    peak = scale or max([b.value for b in bars] + [1e-9])
    rows = [
        _row(b.label, _track([(max(b.value, 0), color, f"{b.label} {b.text}")], peak), b.text)
        for b in bars
    ]
    return _chart(title, rows)
