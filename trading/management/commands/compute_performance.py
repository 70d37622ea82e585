"""Daily strategy performance from trades and market data, upserted by (strategy, date)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from marketdata.sessions import KST
from trading import performance
from trading.accounting import OversellError
from trading.models import Trade


def day(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise CommandError(f"{text!r} is not a date like 2024-01-31") from e


class Command(BaseCommand):
    help = (
        "Per strategy and KRX session: PnL (realized + change in unrealized), daily return on "
        "the strategy's capital, trades, win rate of round trips closed that day, Sharpe "
        "(x sqrt 252, window so far) and max drawdown; upserted into strategy performance. "
        "Prints profit factor and expectancy too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--strategy", action="append", dest="strategies", metavar="NAME")
        parser.add_argument("--from", dest="start", help="first date (default: first trade)")
        parser.add_argument("--to", dest="end", help="last date (default: today)")
        parser.add_argument(
            "--capital", help="capital in KRW for every strategy (default: QB_STRATEGY_CAPITAL)"
        )

    def handle(self, *args, strategies, start, end, capital, **options):
        end = day(end) if end else timezone.localdate(timezone.now(), KST)
        strategies = strategies or list(
            Trade.objects.order_by("strategy").values_list("strategy", flat=True).distinct()
        )
        if not strategies:
            raise CommandError("No strategies: there are no trades.")
        for strategy in strategies:
            amount, source = self._capital(strategy, capital)
            first = day(start) if start else self._first_trade(strategy)
            try:
                report = performance.compute(
                    strategy=strategy, start=first, end=end, capital=amount
                )
                stored = performance.store(report)
            except OversellError as e:
                raise CommandError(f"{strategy}: {e}") from e
            except DatabaseError as e:
                raise CommandError(f"{strategy}: the database said: {e}".strip()) from e
            self.stdout.write(self._summary(report, source, stored))

    def _capital(self, strategy, given):
        if given:
            try:
                amount = Decimal(given)
            except InvalidOperation as e:
                raise CommandError(f"--capital {given!r} is not an amount in KRW") from e
            if amount <= 0:
                raise CommandError("--capital must be positive")
            return amount, "--capital"
        if strategy in settings.QB_STRATEGY_CAPITAL:
            return settings.QB_STRATEGY_CAPITAL[strategy], "QB_STRATEGY_CAPITAL"
        raise CommandError(
            f"No capital for strategy {strategy!r}: pass --capital or set "
            f"QB_STRATEGY_CAPITAL={strategy}=AMOUNT."
        )

    def _first_trade(self, strategy):
        first = performance.first_trade_date(strategy)
        if first is None:
            raise CommandError(f"Strategy {strategy!r} has no trades.")
        return first

    def _summary(self, report, source, stored):
        if not report.days:
            return f"{report.strategy}: no KRX sessions in the window; nothing stored."
        first, last = report.days[0].date, report.days[-1].date
        sharpe = report.days[-1].sharpe
        parts = [
            f"{report.strategy} (capital {report.capital:,.0f} KRW from {source}): "
            f"{stored} days {first}..{last} stored",
            f"PnL {report.pnl:+,.0f}",
            f"Sharpe {sharpe:.2f}" if sharpe is not None else "Sharpe n/a",
            f"max drawdown {report.days[-1].max_drawdown:.2%}"
            + (
                f" ({report.drawdown_start} to {report.drawdown_end})"
                if report.drawdown_end
                else ""
            ),
            f"{len(report.trips)} round trips",
            f"profit factor {report.profit_factor:.2f}"
            if report.profit_factor is not None
            else "profit factor n/a",
            f"expectancy {report.expectancy:+,.0f}"
            if report.expectancy is not None
            else "expectancy n/a",
        ]
        line = ", ".join(parts) + "."
        if report.unpriced:
            line += f" No close for {', '.join(sorted(report.unpriced))}: held at cost."
        return line
