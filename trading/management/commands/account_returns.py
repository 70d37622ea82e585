"""What an account, or the whole book, returned over a period (trading/books/returns.py),
from the NAV that compute_nav stored."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from display import numbers
from marketdata import arguments
from trading.books import nav, returns
from trading.models import Account, UnknownAccount


def percent(value) -> str:
    return numbers.signed_percent(value) if value is not None else "-"


def ratio(value) -> str:
    return numbers.ratio(value) if value is not None else "-"


def describe(found: returns.Returns) -> list[str]:
    """The returns as lines of text for a person."""
    who = found.account or f"the book ({', '.join(found.accounts)})"
    stats, bench, costs = found.statistics, found.benchmark, found.costs
    down = found.drawdown
    lines = [
        f"{who}, {found.start} to {found.end} ({stats['sessions']} sessions), "
        f"from a NAV of {numbers.won(found.start_nav)} KRW on {found.base_date} "
        f"to {numbers.won(found.days[-1].nav)} KRW.",
        f"  time-weighted return  {percent(found.twr)}"
        f"  (annualised {percent(stats['annualised_twr'])})",
        f"  money-weighted return {percent(found.mwr_period)} over the period"
        f"  (XIRR {percent(found.mwr)} a year)",
        f"  benchmark {bench['symbol']}  {percent(bench['return'])}, "
        f"excess {percent(bench['excess'])}",
        f"  max drawdown {percent(-down.depth if down.depth else 0)}"
        + (
            f" from {down.peak} to {down.trough}, "
            + (f"recovered {down.recovered}" if down.recovered else "not recovered")
            + f" ({down.sessions} sessions)"
            if down.depth
            else ""
        ),
        f"  volatility {numbers.percent(stats['volatility'])}, Sharpe {ratio(stats['sharpe'])}, "
        f"Sortino {ratio(stats['sortino'])}, Calmar {ratio(stats['calmar'])}",
    ]
    for label in ("best_day", "worst_day"):
        if stats[label]:
            lines.append(
                f"  {label.replace('_', ' ')} {stats[label]['date']} "
                f"{percent(stats[label]['return'])}"
            )
    lines.append(
        f"  traded {numbers.won(costs['traded'])} KRW; commission "
        f"{numbers.won(costs['commission'])} ({numbers.rate(costs['commission_share'])}), "
        f"tax {numbers.won(costs['tax'])} ({numbers.rate(costs['tax_share'])}), "
        f"other fees {numbers.won(costs['other_fees'])} KRW"
    )
    lines.append("  month    return")
    lines += [f"  {y:04d}-{m:02d}  {percent(r)}" for y, m, r in found.monthly]
    return lines


class Command(BaseCommand):
    help = (
        "The time- and money-weighted returns of an account (or, without --account, of "
        "every account together) over a period, from the stored NAV: drawdown, volatility, "
        "Sharpe, Sortino, Calmar, best and worst day, monthly returns, costs, and a "
        "benchmark index from our own daily bars (1001 KOSPI, 2001 KOSDAQ, 1028 KOSPI 200)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=arguments.code, metavar="CODE")
        parser.add_argument("--from", type=arguments.day, dest="start", metavar="YYYY-MM-DD")
        parser.add_argument("--to", type=arguments.day, dest="end", metavar="YYYY-MM-DD")
        parser.add_argument("--benchmark", type=arguments.symbol, default=returns.KOSPI)
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, account, start, end, benchmark, **options):
        if start and end and start > end:
            raise CommandError(f"--from {start} is after --to {end}")
        try:
            chosen = (
                Account.objects.for_codes([account]) if account else list(Account.objects.all())
            )
            found = returns.returns_of(
                accounts=chosen, start=start, end=end, benchmark_symbol=benchmark
            )
            stale = nav.stale(accounts=[a.pk for a in chosen])
        except UnknownAccount as e:
            raise CommandError(f"--account: {e}") from e
        except returns.ReturnsError as e:
            raise CommandError(str(e)) from e
        except DatabaseError as e:
            raise CommandError(f"Not computed: the database said: {e}") from e
        if options["format"] == "json":
            report = found.as_json()
            report["stale"] = [{"account": s.account, "since": s.since.isoformat()} for s in stale]
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        for line in describe(found):
            self.stdout.write(line)
        for mark in stale:
            self.stderr.write(
                f"The NAV of {mark.account} is older than its {' and '.join(mark.reasons)} "
                f"from {mark.since}: run manage.py compute_nav --account {mark.account} "
                f"--from {mark.since}."
            )
