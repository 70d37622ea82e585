# The books (trading/books/): cash movements, the NAV per account and day, the broker's cash
# and P&L beside ours. Two pieces of SQL come with them:
#
# - the `cash_ledger` view: the movements kept, and each fill's cash derived from the fill
#   (a buy pays its amount, a sell receives it, both less commission and tax), never
#   stored, so never typed twice; with the running balance after pending settlements, per
#   account in date order. A fill's date is its day in Korea time: 'Asia/Seoul' is written
#   out here, frozen with the migration (marketdata.sessions.MARKET_TIME_ZONE today);
# - statement-level triggers on trades and cash_movements that mark an account's NAV stale
#   from the earliest day a statement changed, whoever wrote it (the admin, an import, the
#   trading engine's own SQL), when a NAV was stored for that day or a later one.
#   trading/books/nav.py consumes the marks of the days it rebuilds. Updates count only
#   when they change what cash or positions are made of (as 0011 does for positions).

import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.expressions
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


LEDGER = """
CREATE VIEW cash_ledger AS
SELECT e.*, sum(e.amount) OVER (
    PARTITION BY e.account_id ORDER BY e.trade_date, e.moment, e.id ROWS UNBOUNDED PRECEDING
) AS balance
FROM (
    SELECT 'm' || m.id AS id, m.account_id, m.kind, m.amount, m.trade_date, m.settles_on,
           m.source, NULL::uuid AS trade_id, m.id AS movement_id, m.note,
           m.trade_date::timestamp AT TIME ZONE 'Asia/Seoul' AS moment
    FROM cash_movements m
    UNION ALL
    SELECT 'f' || t.id || '-' || k.n, t.account_id, k.kind, k.amount,
           (t.executed_at AT TIME ZONE 'Asia/Seoul')::date, t.settles_on, 'fill', t.id, NULL,
           '', t.executed_at
    FROM trades t
    CROSS JOIN LATERAL (VALUES
        (1, CASE t.side WHEN 'BUY' THEN 'buy' ELSE 'sell' END,
            CASE t.side WHEN 'BUY' THEN -(t.quantity * t.price) ELSE t.quantity * t.price END),
        (2, 'commission', -t.commission),
        (3, 'tax', -t.tax)
    ) AS k(n, kind, amount)
    WHERE k.amount <> 0
) AS e;
"""

NO_LEDGER = "DROP VIEW IF EXISTS cash_ledger;"

# Marks (account, earliest day) of `changed`, a query of (account_id, day), for accounts
# with a NAV stored on or after that day.
UPSERT = """
    INSERT INTO nav_changes AS c (account_id, since, changed_at)
    SELECT k.account_id, k.since, now()
    FROM (SELECT account_id, min(day) AS since FROM ({changed}) AS d GROUP BY account_id) AS k
    WHERE EXISTS (
        SELECT 1 FROM account_navs n WHERE n.account_id = k.account_id AND n.date >= k.since
    )
    ON CONFLICT (account_id) DO UPDATE
    SET since = least(c.since, excluded.since), changed_at = excluded.changed_at;
"""


def _marking(table, day, columns):
    """The trigger function and triggers of `table`; `day`: a row's date as SQL on `r`."""
    before = ", ".join(f"o.{c}" for c in columns)
    after = ", ".join(f"n.{c}" for c in columns)
    rows = "SELECT r.account_id, {day} AS day FROM {rows} AS r".replace("{day}", day)
    updated = (
        f"SELECT k.account_id, k.day FROM old_rows o FULL JOIN new_rows n ON n.id = o.id "
        f"CROSS JOIN LATERAL (VALUES (o.account_id, {day.replace('r.', 'o.')}), "
        f"(n.account_id, {day.replace('r.', 'n.')})) AS k(account_id, day) "
        f"WHERE ({before}) IS DISTINCT FROM ({after}) AND k.account_id IS NOT NULL"
    )
    inserted = UPSERT.format(changed=rows.format(rows="new_rows"))
    deleted = UPSERT.format(changed=rows.format(rows="old_rows"))
    changed = UPSERT.format(changed=updated)
    return f"""
CREATE FUNCTION {table}_mark_navs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO nav_changes AS c (account_id, since, changed_at)
        SELECT account_id, min(date), now() FROM account_navs GROUP BY account_id
        ON CONFLICT (account_id) DO UPDATE
        SET since = least(c.since, excluded.since), changed_at = excluded.changed_at;
    ELSIF TG_OP = 'INSERT' THEN
        {inserted}
    ELSIF TG_OP = 'DELETE' THEN
        {deleted}
    ELSE
        {changed}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER {table}_navs_inserted AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_mark_navs();
CREATE TRIGGER {table}_navs_updated AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_mark_navs();
CREATE TRIGGER {table}_navs_deleted AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_mark_navs();
CREATE TRIGGER {table}_navs_truncated AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_mark_navs();
"""


def _unmarking(table):
    return (
        "".join(
            f"DROP TRIGGER IF EXISTS {table}_navs_{op} ON {table};\n"
            for op in ("inserted", "updated", "deleted", "truncated")
        )
        + f"DROP FUNCTION IF EXISTS {table}_mark_navs();\n"
    )


# What a fill's cash and a position are made of; what a movement's cash is.
TRADE_COLUMNS = (
    "account_id",
    "symbol",
    "side",
    "quantity",
    "price",
    "commission",
    "tax",
    "executed_at",
    "settles_on",
)
MOVEMENT_COLUMNS = ("account_id", "kind", "amount", "trade_date", "settles_on")
MARK = _marking(
    "trades", "(r.executed_at AT TIME ZONE 'Asia/Seoul')::date", TRADE_COLUMNS
) + _marking("cash_movements", "r.trade_date", MOVEMENT_COLUMNS)
UNMARK = _unmarking("trades") + _unmarking("cash_movements")


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0014_corporate_action_marks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerEntry",
            fields=[
                (
                    "id",
                    models.CharField(
                        max_length=60, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("deposit", "deposit"),
                            ("withdrawal", "withdrawal"),
                            ("buy", "buy"),
                            ("sell", "sell"),
                            ("commission", "commission"),
                            ("tax", "tax"),
                            ("dividend", "dividend"),
                            ("dividend_tax", "dividend tax withheld"),
                            ("interest", "interest"),
                            ("fee", "fee"),
                            ("adjustment", "adjustment"),
                        ],
                        max_length=12,
                        verbose_name="kind",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=18, verbose_name="amount (KRW)"
                    ),
                ),
                ("trade_date", models.DateField(verbose_name="date")),
                ("settles_on", models.DateField(null=True, verbose_name="settles on")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("fill", "fill"),
                            ("corporate_action", "corporate action"),
                            ("file", "file"),
                            ("person", "person"),
                        ],
                        max_length=16,
                        verbose_name="source",
                    ),
                ),
                ("note", models.CharField(max_length=200, verbose_name="note")),
                ("moment", models.DateTimeField(verbose_name="at")),
                (
                    "balance",
                    models.DecimalField(
                        decimal_places=2, max_digits=20, verbose_name="balance (KRW)"
                    ),
                ),
            ],
            options={
                "verbose_name": "cash ledger entry",
                "verbose_name_plural": "cash ledger",
                "db_table": "cash_ledger",
                "ordering": ("-trade_date", "-moment", "-id"),
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="BooksCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="trading day")),
                (
                    "status",
                    models.CharField(
                        choices=[("match", "match"), ("differences", "differences")],
                        max_length=11,
                        verbose_name="result",
                    ),
                ),
                (
                    "checked_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="checked at"
                    ),
                ),
                (
                    "balance_file",
                    models.CharField(blank=True, max_length=255, verbose_name="balance file"),
                ),
                (
                    "balance_sha256",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="balance file SHA-256"
                    ),
                ),
                (
                    "profit_files",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Names and SHA-256.",
                        verbose_name="profit reports",
                    ),
                ),
                (
                    "figures",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="The broker's and ours, by field.",
                        verbose_name="figures",
                    ),
                ),
                (
                    "conventions",
                    models.JSONField(blank=True, default=dict, verbose_name="cost conventions"),
                ),
                ("difference_count", models.IntegerField(default=0, verbose_name="differences")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="books_checks",
                        to="trading.account",
                        verbose_name="account",
                    ),
                ),
                (
                    "run",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="books_check",
                        to="trading.reconciliationrun",
                        verbose_name="reconciliation",
                    ),
                ),
            ],
            options={
                "verbose_name": "cash reconciliation",
                "verbose_name_plural": "cash reconciliations",
                "db_table": "books_checks",
                "ordering": ("-checked_at",),
            },
        ),
        migrations.CreateModel(
            name="BooksDifference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("cash", "cash settled (dnca_tot_amt)"),
                            ("cash_next_day", "cash next day (nxdy_excc_amt)"),
                            ("cash_after_settlement", "cash after settlement (prvs_rcdl_excc_amt)"),
                            ("total_value", "total value"),
                            ("realized_pnl", "realized PnL"),
                            ("fees", "fees"),
                            ("taxes", "taxes"),
                        ],
                        max_length=24,
                        verbose_name="kind",
                    ),
                ),
                ("date", models.DateField(verbose_name="day")),
                ("symbol", models.CharField(blank=True, max_length=10, verbose_name="symbol")),
                ("field", models.CharField(max_length=40, verbose_name="broker field")),
                (
                    "broker",
                    models.DecimalField(
                        decimal_places=2, max_digits=20, verbose_name="broker says"
                    ),
                ),
                (
                    "ours",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="we have"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "open"), ("explained", "explained"), ("fixed", "fixed")],
                        default="open",
                        max_length=9,
                        verbose_name="status",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "check_run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="differences",
                        to="trading.bookscheck",
                        verbose_name="cash reconciliation",
                    ),
                ),
            ],
            options={
                "verbose_name": "cash or P&L difference",
                "verbose_name_plural": "cash and P&L differences",
                "db_table": "books_differences",
                "ordering": ("check_run", "date", "id"),
            },
        ),
        migrations.CreateModel(
            name="CashMovement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("deposit", "deposit"),
                            ("withdrawal", "withdrawal"),
                            ("buy", "buy"),
                            ("sell", "sell"),
                            ("commission", "commission"),
                            ("tax", "tax"),
                            ("dividend", "dividend"),
                            ("dividend_tax", "dividend tax withheld"),
                            ("interest", "interest"),
                            ("fee", "fee"),
                            ("adjustment", "adjustment"),
                        ],
                        max_length=12,
                        verbose_name="kind",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="Positive for money in, negative for money out.",
                        max_digits=18,
                        verbose_name="amount (KRW)",
                    ),
                ),
                ("trade_date", models.DateField(verbose_name="date")),
                (
                    "settles_on",
                    models.DateField(
                        help_text="When the money is there to use (예수금).",
                        verbose_name="settles on",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("fill", "fill"),
                            ("corporate_action", "corporate action"),
                            ("file", "file"),
                            ("person", "person"),
                        ],
                        default="person",
                        max_length=16,
                        verbose_name="source",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                (
                    "import_key",
                    models.CharField(
                        blank=True, editable=False, max_length=64, verbose_name="import key"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cash_movements",
                        to="trading.account",
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "cash movement",
                "verbose_name_plural": "cash movements",
                "db_table": "cash_movements",
                "ordering": ("-trade_date", "-id"),
            },
        ),
        migrations.CreateModel(
            name="HistoricalBooksDifference",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("cash", "cash settled (dnca_tot_amt)"),
                            ("cash_next_day", "cash next day (nxdy_excc_amt)"),
                            ("cash_after_settlement", "cash after settlement (prvs_rcdl_excc_amt)"),
                            ("total_value", "total value"),
                            ("realized_pnl", "realized PnL"),
                            ("fees", "fees"),
                            ("taxes", "taxes"),
                        ],
                        max_length=24,
                        verbose_name="kind",
                    ),
                ),
                ("date", models.DateField(verbose_name="day")),
                ("symbol", models.CharField(blank=True, max_length=10, verbose_name="symbol")),
                ("field", models.CharField(max_length=40, verbose_name="broker field")),
                (
                    "broker",
                    models.DecimalField(
                        decimal_places=2, max_digits=20, verbose_name="broker says"
                    ),
                ),
                (
                    "ours",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="we have"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "open"), ("explained", "explained"), ("fixed", "fixed")],
                        default="open",
                        max_length=9,
                        verbose_name="status",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "check_run",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="trading.bookscheck",
                        verbose_name="cash reconciliation",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical cash or P&L difference",
                "verbose_name_plural": "historical cash and P&L differences",
                "db_table": "books_differences_history",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalCashMovement",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("deposit", "deposit"),
                            ("withdrawal", "withdrawal"),
                            ("buy", "buy"),
                            ("sell", "sell"),
                            ("commission", "commission"),
                            ("tax", "tax"),
                            ("dividend", "dividend"),
                            ("dividend_tax", "dividend tax withheld"),
                            ("interest", "interest"),
                            ("fee", "fee"),
                            ("adjustment", "adjustment"),
                        ],
                        max_length=12,
                        verbose_name="kind",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="Positive for money in, negative for money out.",
                        max_digits=18,
                        verbose_name="amount (KRW)",
                    ),
                ),
                ("trade_date", models.DateField(verbose_name="date")),
                (
                    "settles_on",
                    models.DateField(
                        help_text="When the money is there to use (예수금).",
                        verbose_name="settles on",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("fill", "fill"),
                            ("corporate_action", "corporate action"),
                            ("file", "file"),
                            ("person", "person"),
                        ],
                        default="person",
                        max_length=16,
                        verbose_name="source",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                (
                    "import_key",
                    models.CharField(
                        blank=True, editable=False, max_length=64, verbose_name="import key"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="created at"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="trading.account",
                        verbose_name="account",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical cash movement",
                "verbose_name_plural": "historical cash movements",
                "db_table": "cash_movements_history",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="NavChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("since", models.DateField(verbose_name="stale since")),
                ("changed_at", models.DateTimeField(verbose_name="changed at")),
                (
                    "account",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="trading.account",
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "NAV change",
                "verbose_name_plural": "NAV changes",
                "db_table": "nav_changes",
            },
        ),
        migrations.CreateModel(
            name="AccountNav",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="session")),
                (
                    "cash_settled",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="dnca_tot_amt",
                        max_digits=18,
                        verbose_name="cash settled (KRW)",
                    ),
                ),
                (
                    "cash_next_day",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="nxdy_excc_amt",
                        max_digits=18,
                        verbose_name="cash after tomorrow's settlements (KRW)",
                    ),
                ),
                (
                    "cash",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="prvs_rcdl_excc_amt",
                        max_digits=18,
                        verbose_name="cash after pending settlements (KRW)",
                    ),
                ),
                (
                    "market_value",
                    models.DecimalField(
                        decimal_places=2, max_digits=18, verbose_name="market value (KRW)"
                    ),
                ),
                (
                    "nav",
                    models.DecimalField(decimal_places=2, max_digits=18, verbose_name="NAV (KRW)"),
                ),
                (
                    "flow",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        help_text="Counted at the start of the session.",
                        max_digits=18,
                        verbose_name="deposits less withdrawals (KRW)",
                    ),
                ),
                (
                    "symbols",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=10),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="held",
                    ),
                ),
                (
                    "stale_symbols",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=10),
                        blank=True,
                        default=list,
                        help_text="Held symbols without a close of this session: the last known one is used.",
                        size=None,
                        verbose_name="marked at an older close",
                    ),
                ),
                (
                    "computed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="computed at"
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="navs",
                        to="trading.account",
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "NAV",
                "verbose_name_plural": "NAV per day",
                "db_table": "account_navs",
                "ordering": ("-date", "account"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "date"), name="account_navs_unique_day"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "nav",
                                django.db.models.expressions.CombinedExpression(
                                    models.F("cash"), "+", models.F("market_value")
                                ),
                            )
                        ),
                        name="account_navs_nav_is_cash_and_positions",
                        violation_error_message="NAV is the cash plus the market value.",
                    ),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="bookscheck",
            index=models.Index(
                models.F("account"),
                models.OrderBy(models.F("checked_at"), descending=True),
                name="books_checks_account_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="booksdifference",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "cash",
                            "cash_next_day",
                            "cash_after_settlement",
                            "total_value",
                            "realized_pnl",
                            "fees",
                            "taxes",
                        ],
                    )
                ),
                name="books_differences_kind_valid",
                violation_error_message="Unknown kind of difference.",
            ),
        ),
        migrations.AddConstraint(
            model_name="booksdifference",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["open", "explained", "fixed"])),
                name="books_differences_status_valid",
                violation_error_message="Unknown status.",
            ),
        ),
        migrations.AddIndex(
            model_name="cashmovement",
            index=models.Index(
                models.F("account"), models.F("trade_date"), name="cash_movements_account_day_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="cashmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        (
                            "deposit",
                            "withdrawal",
                            "dividend",
                            "dividend_tax",
                            "interest",
                            "fee",
                            "adjustment",
                        ),
                    )
                ),
                name="cash_movements_kind_stored",
                violation_error_message="Buys, sells and their commission and tax come from the fills.",
            ),
        ),
        migrations.AddConstraint(
            model_name="cashmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("amount__gt", 0), ("kind__in", ("deposit", "sell", "dividend", "interest"))
                    ),
                    models.Q(
                        ("amount__lt", 0),
                        (
                            "kind__in",
                            ("withdrawal", "buy", "commission", "tax", "dividend_tax", "fee"),
                        ),
                    ),
                    models.Q(("kind", "adjustment"), models.Q(("amount", 0), _negated=True)),
                    _connector="OR",
                ),
                name="cash_movements_sign_of_kind",
                violation_error_message="The amount's sign is its kind's: money in is positive, money out negative.",
            ),
        ),
        migrations.AddConstraint(
            model_name="cashmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(("settles_on__gte", models.F("trade_date"))),
                name="cash_movements_settles_after_date",
                violation_error_message="Money cannot settle before its date.",
            ),
        ),
        migrations.AddConstraint(
            model_name="cashmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(("source__in", ["fill", "corporate_action", "file", "person"])),
                name="cash_movements_source_valid",
                violation_error_message="Unknown source.",
            ),
        ),
        migrations.AddConstraint(
            model_name="cashmovement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("import_key", ""), _negated=True),
                fields=("account", "import_key"),
                name="cash_movements_import_key_unique",
                violation_error_message="This account already has this row of a cash file.",
            ),
        ),
        migrations.RunSQL(LEDGER, NO_LEDGER),
        migrations.RunSQL(MARK, UNMARK),
    ]
