"""Small server-drawn SVG charts above the admin lists: no script, nothing to download."""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from display import times

WIDTH, HEIGHT = 720, 150
# Room for the value labels on the left, the dates below, and a little on the other sides.
LEFT, RIGHT, TOP, BOTTOM = 76, 12, 8, 20
MAX_POINTS = 2000
# Colours that tell series apart without meaning up or down (red and blue do: colours.py).
COLOURS = ("#417690", "#c77700", "#7a3fb0", "#2a8a8a", "#666666")


@dataclass
class Series:
    label: str
    points: list  # [(x, y)] with x sortable (date or datetime)


def ticks(low: float, high: float, *, most: int = 5) -> list[float]:
    """Round values from low to high for an axis, at most `most` of them (1, 2, 2.5 or 5
    times a power of ten apart)."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [n * step for n in range(first, last + 1)]


def value_text(value: float, *, percent: bool) -> str:
    """An axis label: 12,000,000 (won), or 5% / 2.5% of a fraction."""
    value += 0.0  # never "-0"
    if percent:
        whole = abs(value * 100 - round(value * 100)) < 1e-9
        return f"{value:.0%}" if whole else f"{value:.1%}"
    return f"{value:,.0f}"


def line_chart(title, series: list[Series], *, percent=False, zero=True):
    """One SVG with a polyline per series over a shared x range: the values on a left axis
    with grid lines, the first, middle and last dates below. With `zero` the range takes in
    0 and a darker line marks it (gains above it, losses below); without, it fits the values
    (a portfolio's value, never near 0)."""
    series = [s for s in series if s.points]
    if not series:
        return ""
    xs = sorted({x for s in series for x, _ in s.points})
    ys = [float(y) for s in series for _, y in s.points]
    low, high = min(ys), max(ys)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
    marks = ticks(low, high)
    low, high = min(low, marks[0]), max(high, marks[-1])
    span = (high - low) or 1.0
    position = {x: n for n, x in enumerate(xs)}
    step = (WIDTH - LEFT - RIGHT) / max(len(xs) - 1, 1)

    def top(y):
        return HEIGHT - BOTTOM - (float(y) - low) / span * (HEIGHT - TOP - BOTTOM)

    def point(x, y):
        return f"{LEFT + position[x] * step:.1f},{top(y):.1f}"

    axis = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor" stroke-opacity="{}"/>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="currentColor">{}</text>',
        (
            (
                LEFT,
                WIDTH - RIGHT,
                f"{top(v):.1f}",
                f"{top(v):.1f}",
                "0.6" if zero and v == 0 else "0.12",
                LEFT - 4,
                f"{top(v) + 3.5:.1f}",
                value_text(v, percent=percent),
            )
            for v in marks
        ),
    )
    ends = sorted({0, (len(xs) - 1) // 2, len(xs) - 1})
    dates = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="{}" fill="currentColor">{}</text>',
        (
            (
                f"{LEFT + n * step:.1f}",
                HEIGHT - 6,
                "start" if n == 0 and len(xs) > 1 else "end" if n == len(xs) - 1 else "middle",
                times.day(xs[n]),
            )
            for n in ends
        ),
    )
    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}">'
        "<title>{}</title></polyline>",
        (
            (COLOURS[n % len(COLOURS)], " ".join(point(x, y) for x, y in s.points), s.label)
            for n, s in enumerate(series)
        ),
    )
    legend = format_html_join(
        " ",
        '<span style="color:{}">&#9632; {}</span>',
        ((COLOURS[n % len(COLOURS)], s.label) for n, s in enumerate(series)),
    )
    return format_html(
        '<div class="qb-chart"><strong>{}</strong> {}<br>'
        '<svg viewBox="0 0 {} {}" width="100%" height="{}" preserveAspectRatio="xMinYMid meet" '
        'role="img" aria-label="{}">'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor" stroke-opacity="0.4"/>'
        "{}{}{}</svg></div>",
        title,
        legend,
        WIDTH,
        HEIGHT,
        HEIGHT,
        title,
        LEFT,
        LEFT,
        TOP,
        HEIGHT - BOTTOM,
        axis,
        dates,
        lines,
    )


def strategy_curves(queryset):
    """Cumulative PnL per strategy and its drawdown, for the filtered rows."""
    rows = queryset.order_by("date").values_list("strategy", "date", "pnl", "max_drawdown")
    cumulative, drawdown = {}, {}
    total = {}
    for strategy, date, pnl, mdd in rows[:MAX_POINTS]:
        total[strategy] = total.get(strategy, Decimal(0)) + pnl
        cumulative.setdefault(strategy, []).append((date, total[strategy]))
        drawdown.setdefault(strategy, []).append((date, mdd))
    # Both parts are SafeStrings from format_html, and so is their sum.
    pnl = line_chart(_("Cumulative PnL"), [Series(s, p) for s, p in sorted(cumulative.items())])
    return pnl + line_chart(
        _("Max drawdown"), [Series(s, p) for s, p in sorted(drawdown.items())], percent=True
    )


def risk_curves(queryset):
    rows = list(
        queryset.order_by("-timestamp").values_list(
            "timestamp", "portfolio_value", "var_95", "var_99"
        )[:MAX_POINTS]
    )[::-1]
    value = [(t, v) for t, v, _v, _w in rows]
    return line_chart(_("Portfolio value"), [Series(_("value"), value)], zero=False) + (
        line_chart(
            _("1-day VaR"),
            [
                Series(_("VaR 95%"), [(t, v) for t, _v, v, _w in rows]),
                Series(_("VaR 99%"), [(t, v) for t, _v, _w, v in rows]),
            ],
        )
    )
