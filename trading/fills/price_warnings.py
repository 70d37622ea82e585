"""What to tell the person who saved a fill whose price the checks flag (trading/fills/
charges.py): the tick at that price and the prices either side, or the day's limits and the
base price they come from. The fill is saved all the same; these are warnings."""

from decimal import ROUND_CEILING, ROUND_FLOOR

from django.utils.translation import gettext as _

from display import numbers
from marketdata import ticks
from trading.fills.charges import FUNDS, Assessment, trade_date


def price_warnings(trade, assessment: Assessment) -> list[str]:
    """Warnings for `trade` as `assessment` has checked it (after `assessment.apply`)."""
    found = []
    stock = assessment.stocks.get(trade.symbol)
    fund = stock is not None and stock[1] in FUNDS
    if trade.on_tick is False:
        found.append(
            _(
                "The price %(price)s KRW is off the tick grid: the tick at that price is "
                "%(tick)s KRW, so the nearest prices are %(below)s and %(above)s KRW."
            )
            % {
                "price": numbers.price(trade.price),
                "tick": numbers.price(ticks.tick_size(trade.price, fund=fund)),
                "below": numbers.price(ticks.to_tick(trade.price, rounding=ROUND_FLOOR, fund=fund)),
                "above": numbers.price(
                    ticks.to_tick(trade.price, rounding=ROUND_CEILING, fund=fund)
                ),
            }
        )
    if trade.within_limit is False:
        base = assessment.base_prices[trade.symbol, trade_date(trade)]
        lower, upper = ticks.daily_limits(base, fund=fund)
        found.append(
            _(
                "The price %(price)s KRW is outside the daily limit of %(lower)s to "
                "%(upper)s KRW (30%% either side of the previous close, %(base)s KRW)."
            )
            % {
                "price": numbers.price(trade.price),
                "lower": numbers.price(lower),
                "upper": numbers.price(upper),
                "base": numbers.price(base),
            }
        )
    return found
