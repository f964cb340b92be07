"""Charts drawn on the server as SVG: no script, no CDN; they print, and each bar carries its
figure in a <title> (and the table beside every chart holds the same numbers)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 200
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 44, 24, 16
COLOURS = ("#3a7ca5", "#8fbc5c", "#d9822b")


def _nice_top(value: float) -> float:
    """A round top for the axis at or above `value`."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def columns(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
            top: float | None = None, unit: str = "", title: str = "") -> Markup:
    """Grouped columns: one group per label, one column per series (name, values; None: no
    figure, no column). `top`: the axis maximum (default: a round number above the largest)."""
    values = [v for _name, vs in series for v in vs if v is not None]
    axis_top: float = top or _nice_top(max(values, default=0))
    plot_w, plot_h = WIDTH - MARGIN_LEFT - 4, HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    group_w = plot_w / max(1, len(labels))
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i in range(5):  # the axis: 0, 25, 50, 75, 100 % of top
        tick = axis_top * i / 4
        y = MARGIN_TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd" stroke-width="1"/>'
                     f'<text x="{MARGIN_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f"{escape(_figure(tick))}{escape(unit)}</text>")
    if len(series) > 1:  # a legend: which colour is which series
        for s, (name, _vs) in enumerate(series):
            x = WIDTH - 4 - 110 * (len(series) - s)
            parts.append(f'<rect x="{x}" y="0" width="10" height="10" fill="{COLOURS[s % len(COLOURS)]}"/>'
                         f'<text x="{x + 14}" y="9" font-size="10">{escape(name)}</text>')
    every = max(1, len(labels) // 12)  # at most about twelve labels under the axis
    for g, label in enumerate(labels):
        x0 = MARGIN_LEFT + g * group_w + group_w * 0.1
        for s, (name, vs) in enumerate(series):
            value = vs[g] if g < len(vs) else None
            if value is None:
                continue
            h = plot_h * min(value, axis_top) / axis_top
            parts.append(f'<rect x="{x0 + s * bar_w:.1f}" y="{MARGIN_TOP + plot_h - h:.1f}" '
                         f'width="{bar_w:.1f}" height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                         f"<title>{escape(label)} · {escape(name)}: {escape(_figure(value))}"
                         f"{escape(unit)}</title></rect>")
        if g % every == 0:
            parts.append(f'<text x="{x0:.1f}" y="{HEIGHT - 8}" font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(rows: Sequence[tuple[str, float]], unit: str = "", title: str = "") -> Markup:
    """Horizontal bars, one per row (label, value), scaled to the largest."""
    top = max((v for _l, v in rows), default=0) or 1
    row_h, label_w = 22, 160
    height = row_h * len(rows) + 4
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(rows):
        y = i * row_h + 2
        w = (WIDTH - label_w - 60) * value / top
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                     f'fill="{COLOURS[0]}"><title>{escape(label)}: {escape(_figure(value))}'
                     f"{escape(unit)}</title></rect>"
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">'
                     f"{escape(_figure(value))}{escape(unit)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _figure(value: float) -> str:
    return f"{value:.0f}" if value == int(value) or value >= 10 else f"{value:.3g}"
