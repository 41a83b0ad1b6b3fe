"""Small server-rendered SVG charts (no JavaScript needed to read them)."""

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 480, 160, 28
COLOURS = ("#0b6e6e", "#c2410c", "#6d28d9", "#15803d", "#b91c1c")


def line_chart(snapshots) -> Markup:
    """One line per counter across the snapshots (objects with .at and .values), oldest first."""
    if not snapshots:
        return Markup("")
    names = sorted({name for snap in snapshots for name in snap.values})
    top = max([snap.values.get(n, 0) for snap in snapshots for n in names] + [1])
    count = len(snapshots)

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * (i / (count - 1) if count > 1 else 0.5)

    def y(v: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="engagement over time">',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#ccc"/>',
        f'<text x="4" y="{PAD}" font-size="10">{top}</text>',
    ]
    for index, name in enumerate(names):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(
            f"{x(i):.1f},{y(s.values.get(name, 0)):.1f}" for i, s in enumerate(snapshots)
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        parts.append(
            f'<text x="{PAD + index * 90}" y="{HEIGHT - 6}" font-size="11" fill="{colour}">'
            f"{escape(name)} {snapshots[-1].values.get(name, 0)}</text>"
        )
    first, last = snapshots[0].at, snapshots[-1].at
    parts.append(
        f'<text x="{WIDTH - PAD}" y="{PAD - 10}" font-size="10" text-anchor="end">'
        f"{first:%d/%m %H:%M} – {last:%d/%m %H:%M} UTC</text></svg>"
    )
    return Markup("".join(parts))


BARS_WIDTH, BARS_HEIGHT = 480, 220
LEFT, BOTTOM, TOP = 40, 30, 10
MAX_LABELS = 7


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int
    group: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x of a group's middle, its label (some left out when crowded)
    ticks: list[tuple[float, int]]  # y, value
    baseline: float
    left: int


def _nice_top(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return ((value // 4000) + 1) * 4000


def grouped_bars(groups: list[tuple[str, list[int]]], *, width: int = BARS_WIDTH) -> Chart:
    """Bars side by side for each group (a day), one per series, on a shared scale from zero."""
    top = _nice_top(max([v for _label, values in groups for v in values] + [1]))
    plot_height = BARS_HEIGHT - BOTTOM - TOP
    baseline = BARS_HEIGHT - BOTTOM
    slot = (width - LEFT) / max(len(groups), 1)
    series = max((len(values) for _label, values in groups), default=1)
    bar_width = slot * 0.8 / series
    bars, labels = [], []
    every = max(1, -(-len(groups) // MAX_LABELS))
    for index, (label, values) in enumerate(groups):
        start = LEFT + index * slot + slot * 0.1
        for s, value in enumerate(values):
            height = plot_height * value / top
            bars.append(
                Bar(start + s * bar_width, baseline - height, bar_width, height, value, s, label)
            )
        if index % every == 0:
            labels.append((LEFT + index * slot + slot / 2, label))
    ticks = [(baseline - plot_height * i / 4, top * i // 4) for i in range(5)]
    return Chart(width, BARS_HEIGHT, bars, labels, ticks, baseline, LEFT)


def heat_style(value: float, top: float) -> str:
    """An inline style colouring a heat-map cell from pale (little) to deep teal (the most),
    with text dark or light enough to stay readable on it."""
    share = value / top if top > 0 else 0.0
    lightness = round(96 - 66 * share)
    ink = "#fff" if lightness < 55 else "#1d2733"
    return f"background:hsl(180,55%,{lightness}%);color:{ink}"
