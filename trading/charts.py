"""Small server-drawn SVG charts above the admin lists: no script, nothing to download."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from display import times

WIDTH, HEIGHT, PAD = 720, 140, 24
MAX_POINTS = 2000
# Colours that tell series apart without meaning up or down (red and blue do: colours.py).
COLOURS = ("#417690", "#c77700", "#7a3fb0", "#2a8a8a", "#666666")


@dataclass
class Series:
    label: str
    points: list  # [(x, y)] with x sortable (date or datetime)


def line_chart(title, series: list[Series], *, percent=False):
    """One SVG with a polyline per series, a shared x range and its own y range."""
    series = [s for s in series if s.points]
    if not series:
        return ""
    xs = sorted({x for s in series for x, _ in s.points})
    ys = [float(y) for s in series for _, y in s.points]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    position = {x: n for n, x in enumerate(xs)}
    step = (WIDTH - 2 * PAD) / max(len(xs) - 1, 1)

    def point(x, y):
        top = HEIGHT - PAD - (float(y) - low) / span * (HEIGHT - 2 * PAD)
        return f"{PAD + position[x] * step:.1f},{top:.1f}"

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
    fmt = (lambda v: f"{v:.1%}") if percent else (lambda v: f"{v:,.0f}")
    return format_html(
        '<div class="qb-chart"><strong>{}</strong> {}<br>'
        '<svg viewBox="0 0 {} {}" width="100%" height="{}" role="img" aria-label="{}">'
        '<text x="2" y="14" font-size="10">{}</text><text x="2" y="{}" font-size="10">{}</text>'
        '<text x="{}" y="{}" font-size="10">{}</text><text x="{}" y="{}" font-size="10" '
        'text-anchor="end">{}</text>{}</svg></div>',
        title,
        legend,
        WIDTH,
        HEIGHT,
        HEIGHT,
        title,
        fmt(high),
        HEIGHT - PAD + 12,
        fmt(low),
        PAD,
        HEIGHT - 2,
        times.day(xs[0]),
        WIDTH - PAD,
        HEIGHT - 2,
        times.day(xs[-1]),
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
    return line_chart(_("Portfolio value"), [Series(_("value"), value)]) + (
        line_chart(
            _("1-day VaR"),
            [
                Series(_("VaR 95%"), [(t, v) for t, _v, v, _w in rows]),
                Series(_("VaR 99%"), [(t, v) for t, _v, _w, v in rows]),
            ],
        )
    )
