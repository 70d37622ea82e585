"""Daily strategy performance from trades and market data, upserted by (strategy, date)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from marketdata import arguments
from marketdata.sessions import last_closed
from trading.analytics import performance
from trading.models import Trade
from trading.positions.accounting import OversellError


class Command(BaseCommand):
    help = (
        "Per strategy and KRX session: PnL (realized + change in unrealized), daily return on "
        "the strategy's capital, trades, win rate of round trips closed that day, Sharpe "
        "(x sqrt 252, window so far) and max drawdown; upserted into strategy performance. "
        "Prints profit factor and expectancy too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--strategy", action="append", dest="strategies", metavar="NAME", type=arguments.name
        )
        parser.add_argument(
            "--from", dest="start", type=arguments.day, help="first date (default: first trade)"
        )
        parser.add_argument(
            "--to",
            dest="end",
            type=arguments.closed_session_day,
            help="last date, at most the last closed session (the default)",
        )
        parser.add_argument(
            "--capital",
            type=arguments.amount,
            help="capital in KRW for every strategy (default: QB_STRATEGY_CAPITAL)",
        )

    def handle(self, *args, strategies, start, end, capital, **options):
        end = end or last_closed(dt.datetime.now(dt.UTC)).date
        if start and start > end:
            raise CommandError(f"--from {start} is after --to {end}.")
        summaries = []
        try:
            with transaction.atomic():  # every strategy or none
                strategies = strategies or list(
                    Trade.objects.order_by("strategy").values_list("strategy", flat=True).distinct()
                )
                if not strategies:
                    raise CommandError("No strategies: there are no trades.")
                for strategy in strategies:
                    amount, source = self._capital(strategy, capital)
                    first = start or self._first_trade(strategy)
                    try:
                        report = performance.compute(
                            strategy=strategy, start=first, end=end, capital=amount
                        )
                    except OversellError as e:
                        raise CommandError(f"Nothing was stored: {strategy}: {e}") from e
                    stored = performance.store(report)
                    summaries.append(self._summary(report, source, stored))
        except DatabaseError as e:
            raise CommandError(f"Nothing was stored: the database said: {e}".strip()) from e
        for summary in summaries:
            self.stdout.write(summary)

    def _capital(self, strategy, given):
        if given:
            return given, "--capital"
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
