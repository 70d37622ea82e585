"""Portfolio value, exposure, historical VaR and drawdown; writes a risk metric row."""

from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from marketdata import arguments
from trading.analytics import risk
from trading.models import Account, UnknownAccount
from trading.positions.accounting import OversellError


class Command(BaseCommand):
    help = (
        "Portfolio value (positions at market plus cash), gross exposure, largest position "
        "weight, one-day historical VaR 95%/99% of the current positions over the last "
        "--lookback daily closes, and max drawdown; writes a RiskMetric row at --as-of, for "
        "one account (--account) or for every account together."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--account",
            type=arguments.code,
            metavar="CODE",
            help="this account only (default: every account)",
        )
        parser.add_argument(
            "--as-of",
            type=arguments.moment,
            help="date or ISO date-time (Korea time), at most today; default now",
        )
        parser.add_argument(
            "--lookback", type=arguments.lookback, default=250, help="daily returns to use"
        )
        parser.add_argument(
            "--cash",
            type=arguments.cash,
            help="cash in KRW (default: QB_PORTFOLIO_CASH, else the latest risk row)",
        )

    def handle(self, *args, lookback, cash, account, **options):
        moment = options["as_of"] or timezone.now()
        try:
            chosen = Account.objects.for_codes([account])[0] if account else None
            amount, source = self._cash(cash, moment, chosen)
            result = risk.compute(
                as_of=moment, lookback=lookback, cash=amount, cash_source=source, account=chosen
            )
            risk.store(result)
        except UnknownAccount as e:
            raise CommandError(f"--account: {e}") from e
        except OversellError as e:
            raise CommandError(f"No risk computed: {e}") from e
        except DatabaseError as e:
            raise CommandError(f"No risk computed: the database said: {e}".strip()) from e
        self.stdout.write(self.style.SUCCESS(risk.describe(result)))

    def _cash(self, given, moment, account):
        if given is not None:
            return given, "--cash"
        if settings.QB_PORTFOLIO_CASH is not None and account is None:
            return settings.QB_PORTFOLIO_CASH, "QB_PORTFOLIO_CASH"
        latest = risk.latest_cash(moment, account)
        if latest is not None:
            return latest, "the latest risk metric"
        return Decimal(0), "nowhere: no setting and no earlier risk metric, so 0"
