"""Charts as inline SVG, drawn on the server: nothing is downloaded, no script runs.

Every text that reaches the SVG is escaped; every bar carries its number as text, so a chart
reads without colour and prints well. Charts scale to the page width (``viewBox``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
FONT = 13
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


def _svg(height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{FONT}" font-family="sans-serif">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, content: str, anchor: str = "start", fill: str = "#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(content)}</text>"
    )


def stacked_bars(title: str, columns: Sequence[str], series: Sequence[Series]) -> Markup:
    """Vertical bars, one per column (e.g. a week), stacked by series (e.g. ticket class)."""
    top, bottom, left, legend = 28, 40, 36, 24
    plot_h = 200
    height = top + plot_h + bottom + legend
    totals = [sum(s.values[i] for s in series) for i in range(len(columns))]
    peak = max([*totals, 1])
    slot = (WIDTH - left - 8) / max(len(columns), 1)
    bar_w = max(slot * 0.7, 2)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 8}" y2="{top + plot_h}" '
        'stroke="#888"/>',
        _text(left - 6, top + 4, str(peak), "end", "#555"),
        _text(left - 6, top + plot_h, "0", "end", "#555"),
    ]
    for i, column in enumerate(columns):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(top + plot_h)
        for s in series:
            v = s.values[i]
            if v <= 0:
                continue
            h = plot_h * v / peak
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{s.color}"><title>{escape(f"{column} {s.label} {v}")}</title></rect>'
            )
        if totals[i]:
            body.append(_text(x + bar_w / 2, y - 4, str(totals[i]), "middle"))
        body.append(_text(x + bar_w / 2, top + plot_h + 16, column, "middle", "#555"))
    x = float(left)
    for s in series:
        ly = height - 8
        body.append(f'<rect x="{x:.1f}" y="{ly - 11}" width="12" height="12" fill="{s.color}"/>')
        body.append(_text(x + 16, ly, f"{s.label} {sum(s.values)}"))
        x += 16 + FONT * (len(s.label) + 1 + len(str(sum(s.values))) * 0.6) + 18
    return _svg(height, title, body)


def hbars(title: str, bars: Sequence[Bar], color: str = BAR_COLOR, scale: float = 0) -> Markup:
    """Horizontal bars with a label on the left and the text at the end of each bar.

    ``scale`` is the value of a full-length bar (1.0 for shares); 0 means the longest bar.
    """
    row, label_w = 28, 110
    height = max(len(bars), 1) * row + 8
    peak = scale or max([b.value for b in bars] + [1e-9])
    room = WIDTH - label_w - 140
    body: list[str] = []
    if not bars:
        body.append(_text(8, 22, "暂无数据", fill="#777"))
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = max(room * b.value / peak, 0) if peak else 0
        body.append(_text(label_w - 8, y + 18, b.label, "end"))
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" fill="{color}">'
            f"<title>{escape(f'{b.label} {b.text}')}</title></rect>"
        )
        body.append(_text(label_w + w + 6, y + 18, b.text))
    return _svg(height, title, body)
