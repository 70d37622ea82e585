# Corporate actions in the books: the cash they pay (dividends, the tax withheld, the cash for
# fractions) kept with the action that paid it, each account's dividend tax rate, and the
# NAV of every account holding an action's stock marked stale from its ex date when the
# action is written, whoever wrote it (the triggers of 0015 do the same for fills and cash).

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

UPSERT = """
        INSERT INTO nav_changes AS c (account_id, since, changed_at)
        SELECT k.account_id, k.since, now()
        FROM (
            SELECT t.account_id, min(r.ex_date) AS since
            FROM {rows} AS r JOIN trades AS t ON t.symbol IN (r.symbol, r.new_symbol)
            GROUP BY t.account_id
        ) AS k
        WHERE EXISTS (
            SELECT 1 FROM account_navs n WHERE n.account_id = k.account_id AND n.date >= k.since
        )
        ON CONFLICT (account_id) DO UPDATE
        SET since = least(c.since, excluded.since), changed_at = excluded.changed_at;
"""

MARK = f"""
CREATE FUNCTION corporate_actions_mark_navs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO nav_changes AS c (account_id, since, changed_at)
        SELECT account_id, min(date), now() FROM account_navs GROUP BY account_id
        ON CONFLICT (account_id) DO UPDATE
        SET since = least(c.since, excluded.since), changed_at = excluded.changed_at;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {UPSERT.format(rows="new_rows")}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {UPSERT.format(rows="old_rows")}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER corporate_actions_navs_inserted AFTER INSERT ON corporate_actions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_navs();
CREATE TRIGGER corporate_actions_navs_updated AFTER UPDATE ON corporate_actions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_navs();
CREATE TRIGGER corporate_actions_navs_deleted AFTER DELETE ON corporate_actions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_navs();
CREATE TRIGGER corporate_actions_navs_truncated AFTER TRUNCATE ON corporate_actions
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_navs();
"""

UNMARK = """
DROP TRIGGER IF EXISTS corporate_actions_navs_truncated ON corporate_actions;
DROP TRIGGER IF EXISTS corporate_actions_navs_deleted ON corporate_actions;
DROP TRIGGER IF EXISTS corporate_actions_navs_updated ON corporate_actions;
DROP TRIGGER IF EXISTS corporate_actions_navs_inserted ON corporate_actions;
DROP FUNCTION IF EXISTS corporate_actions_mark_navs();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("marketdata", "0014_day_counts_handed_to_loads"),
        ("trading", "0017_books_history_baselines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="cashmovement",
            name="cash_movements_kind_stored",
        ),
        migrations.RemoveConstraint(
            model_name="cashmovement",
            name="cash_movements_sign_of_kind",
        ),
        migrations.AddField(
            model_name="account",
            name="dividend_tax_rate",
            field=models.DecimalField(
                decimal_places=4,
                default=Decimal("0.14"),
                help_text="Income tax withheld from cash dividends, as a fraction: 0.14 for individuals (15.4 % with the local income tax of a tenth of it), 0 for corporations and tax-free accounts.",
                max_digits=5,
                verbose_name="dividend income tax rate",
            ),
        ),
        migrations.AddField(
            model_name="cashmovement",
            name="corporate_action",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="cash_movements",
                to="marketdata.corporateaction",
                verbose_name="corporate action",
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="dividend_tax_rate",
            field=models.DecimalField(
                decimal_places=4,
                default=Decimal("0.14"),
                help_text="Income tax withheld from cash dividends, as a fraction: 0.14 for individuals (15.4 % with the local income tax of a tenth of it), 0 for corporations and tax-free accounts.",
                max_digits=5,
                verbose_name="dividend income tax rate",
            ),
        ),
        migrations.AddField(
            model_name="historicalcashmovement",
            name="corporate_action",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="marketdata.corporateaction",
                verbose_name="corporate action",
            ),
        ),
        migrations.AlterField(
            model_name="cashmovement",
            name="kind",
            field=models.CharField(
                choices=[
                    ("deposit", "deposit"),
                    ("withdrawal", "withdrawal"),
                    ("buy", "buy"),
                    ("sell", "sell"),
                    ("commission", "commission"),
                    ("tax", "tax"),
                    ("dividend", "dividend"),
                    ("dividend_tax", "dividend tax withheld"),
                    ("fraction", "cash for fractional shares"),
                    ("interest", "interest"),
                    ("fee", "fee"),
                    ("adjustment", "adjustment"),
                ],
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcashmovement",
            name="kind",
            field=models.CharField(
                choices=[
                    ("deposit", "deposit"),
                    ("withdrawal", "withdrawal"),
                    ("buy", "buy"),
                    ("sell", "sell"),
                    ("commission", "commission"),
                    ("tax", "tax"),
                    ("dividend", "dividend"),
                    ("dividend_tax", "dividend tax withheld"),
                    ("fraction", "cash for fractional shares"),
                    ("interest", "interest"),
                    ("fee", "fee"),
                    ("adjustment", "adjustment"),
                ],
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("dividend_tax_rate__gte", 0), ("dividend_tax_rate__lte", Decimal("0.5"))
                ),
                name="accounts_dividend_tax_rate_range",
                violation_error_message="A dividend tax rate is a fraction from 0 to 0.5, such as 0.14.",
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
                            "fraction",
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
                        ("amount__gt", 0),
                        ("kind__in", ("deposit", "sell", "dividend", "fraction", "interest")),
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
        migrations.RunSQL(MARK, UNMARK),
    ]
