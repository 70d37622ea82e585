"""Every existing trade and position goes to one default account, so that a single-account
back office sees no change; the fills of each broker order are numbered in execution order;
writers that name no account (the engine's own INSERTs) land in the default account."""

from django.db import migrations
from psycopg2 import sql

DEFAULT_CODE = "DEFAULT"
TABLES = ("trades", "positions", "trades_history", "positions_history")
DEFAULTED = ("trades", "positions")


def forwards(apps, schema_editor):
    Account = apps.get_model("trading", "Account")
    account, _ = Account.objects.get_or_create(
        code=DEFAULT_CODE, defaults={"name": "Default account", "broker": "KIS"}
    )
    with schema_editor.connection.cursor() as cursor:
        # The defaults first: ALTER TABLE is refused once the UPDATEs below leave foreign
        # key checks pending in the transaction.
        for table in DEFAULTED:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN account_id SET DEFAULT {}").format(
                    sql.Identifier(table), sql.Literal(account.pk)
                )
            )
        for table in TABLES:
            cursor.execute(
                sql.SQL("UPDATE {} SET account_id = %s WHERE account_id IS NULL").format(
                    sql.Identifier(table)
                ),
                [account.pk],
            )
        cursor.execute(
            """
            UPDATE trades t SET fill_seq = x.n
            FROM (
                SELECT id, row_number() OVER (
                    PARTITION BY account_id, broker_order_id ORDER BY executed_at, created_at, id
                ) AS n
                FROM trades WHERE broker_order_id <> ''
            ) x
            WHERE t.id = x.id AND t.fill_seq <> x.n
            """
        )


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table in DEFAULTED:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN account_id DROP DEFAULT").format(
                    sql.Identifier(table)
                )
            )


class Migration(migrations.Migration):
    dependencies = [("trading", "0006_accounts_and_venues")]

    operations = [migrations.RunPython(forwards, backwards)]
