"""Small server-rendered SVG line charts (no JavaScript needed to read them)."""

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
