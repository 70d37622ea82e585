"""Positions older than their trades are said plainly, with the rebuild one click away.

Triggers on trades (trading/migrations/0009) mark a position (account, symbol) whenever its
trades change, whoever writes them; trading/positions/rebuild.py reads and consumes the marks."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from marketdata.models import MarketData
from qbsite import health
from tests import factories
from trading import positions
from trading.models import Position, Trade, TradeChange

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
LIST = reverse("admin:trading_position_changelist")
REBUILD = reverse("admin:trading_position_rebuild")


def stale():
    return [str(p) for p in positions.stale()]


@pytest.fixture
def book():
    """000660: 157 shares bought in MAIN, stored as a position, nothing stale."""
    MarketData.objects.create(
        time=dt.datetime(2026, 11, 25, tzinfo=KST),
        symbol="000660",
        interval_type="1d",
        open=170000,
        high=175000,
        low=169000,
        close=172700,
        volume=1,
    )
    factories.trade(
        account=factories.account("MAIN"),
        symbol="000660",
        quantity=157,
        price=170000,
        commission=0,
        executed_at=dt.datetime(2026, 11, 25, 10, tzinfo=KST),
    ).save()
    positions.rebuild(as_of=timezone.now())
    assert stale() == []
    return factories.account("MAIN")


def engine_sells(account, quantity, symbol="000660"):
    """The trading engine writes fills with its own SQL, not through Django."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO trades (id, account_id, venue, symbol, side, quantity, price, commission,"
            " tax, strategy, broker_order_id, fill_seq, executed_at, created_at, charges_differ,"
            " on_tick, within_limit) VALUES (gen_random_uuid(), %s, 'KRX', %s, 'SELL', %s, 175000,"
            " 0, 0, 'momentum', '', 1, %s, now(), false, true, true)",
            [account.pk, symbol, quantity, dt.datetime(2026, 11, 26, 10, 15, tzinfo=KST)],
        )


def test_a_fill_written_by_the_engine_marks_its_position_stale(book, admin_client):
    engine_sells(book, 57)

    assert stale() == ["MAIN 000660"]
    page = admin_client.get(LIST)
    assert page.context["stale"]["positions"] == ["MAIN 000660"]
    assert "1 position is older than its trades" in page.text
    assert f'<a class="button" href="{REBUILD}">Rebuild them</a>' in page.text
    assert "&#9888;" in page.text  # the row itself is marked
    front = admin_client.get(reverse("admin:index")).text
    assert "1 older than its trades: MAIN 000660" in front
    [check] = health.run(["positions"])
    assert check.status == health.WARNING
    assert check.message.startswith("1 position is older than its trades (000660): rebuild it")
    assert check.details["stale"] == ["000660"]


def test_the_rebuild_is_previewed_then_brings_the_position_in_step(book, admin_client):
    engine_sells(book, 57)

    preview = admin_client.get(REBUILD)
    assert preview.status_code == 200
    assert preview.context["keys"] == [f"{book.pk}:000660"]
    assert ("quantity", "157", "100") in preview.context["differences"][0]["fields"]
    assert Position.objects.get().quantity == 157

    done = admin_client.post(
        REBUILD, {"position": f"{book.pk}:000660", "confirm": "yes"}, follow=True
    )

    assert "Rebuilt 1 positions: 1 changed, 0 unchanged." in done.text
    assert Position.objects.get().quantity == 100
    assert stale() == []
    assert "older than" not in admin_client.get(LIST).text


def test_a_rebuild_that_changes_nothing_still_clears_the_mark(book):
    # A minute later, the same single fill: the same position.
    later = F("executed_at") + dt.timedelta(minutes=1)
    Trade.objects.filter(symbol="000660").update(executed_at=later)
    assert stale() == ["MAIN 000660"]

    result = positions.rebuild(as_of=timezone.now(), symbols=["000660"])

    assert result.differences == []
    assert stale() == []


def test_edits_deletes_imports_and_new_symbols_all_mark(book):
    trade = Trade.objects.get()
    trade.quantity = 150
    trade.save()
    Trade.objects.bulk_create(
        [factories.trade(account=book, symbol="005930"), factories.trade(symbol="035720")]
    )
    assert stale() == ["MAIN 000660", "MAIN 005930", "DEFAULT 035720"]

    TradeChange.objects.all().delete()
    Trade.objects.filter(symbol="005930").delete()
    assert stale() == ["MAIN 005930"]


def test_a_rebuild_of_one_account_leaves_the_other_marked(book):
    other = factories.account("SWING")
    engine_sells(book, 7)
    factories.trade(account=other, symbol="000660", executed_at=timezone.now()).save()
    assert stale() == ["MAIN 000660", "SWING 000660"]

    positions.rebuild(as_of=timezone.now(), only={(book.pk, "000660")})

    assert stale() == ["SWING 000660"]


def test_a_rebuild_as_of_the_past_leaves_later_trades_marked(book):
    engine_sells(book, 57)
    positions.rebuild(as_of=dt.datetime(2026, 11, 25, 23, tzinfo=KST))
    assert stale() == ["MAIN 000660"]
    assert Position.objects.get().quantity == 157


def test_with_nothing_stale_the_rebuild_page_says_so(book, admin_client):
    done = admin_client.get(REBUILD, follow=True)
    assert "Every position is up to date with its trades." in done.text


def member(role, *accounts):
    user = User.objects.create_user(f"{role}-d", password="a-long-pass-phrase", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    for account in accounts:
        account.visible_to.add(user)
    return user


def test_a_viewer_sees_the_notice_but_cannot_rebuild(book, client):
    engine_sells(book, 57)
    client.force_login(member("viewer"))

    page = client.get(LIST)
    assert "1 position is older than its trades" in page.text
    assert REBUILD not in page.text
    assert client.get(REBUILD).status_code == 403
    done = client.post(REBUILD, {"position": f"{book.pk}:000660", "confirm": "yes"})
    assert done.status_code == 403
    assert Position.objects.get().quantity == 157


def test_staff_limited_to_one_account_see_and_rebuild_only_theirs(book, client):
    hidden = factories.account("HIDDENACC")
    factories.trade(account=hidden, symbol="035720", executed_at=timezone.now()).save()
    engine_sells(book, 57)
    client.force_login(member("account_viewer", book))

    page = client.get(LIST)
    assert page.context["stale"]["positions"] == ["MAIN 000660"]
    assert "HIDDENACC" not in page.text
    assert "HIDDENACC" not in client.get(reverse("admin:index")).text


def test_a_limited_member_who_may_change_positions_cannot_rebuild_a_hidden_one(book, client):
    from django.contrib.auth.models import Permission

    hidden = factories.account("HIDDENACC")
    factories.position(account=hidden, symbol="000660", quantity=5).save()
    factories.trade(account=hidden, symbol="000660", executed_at=timezone.now()).save()
    user = member("account_viewer", book)
    user.user_permissions.add(Permission.objects.get(codename="change_position"))
    client.force_login(user)

    preview = client.get(REBUILD, follow=True)
    assert "Every position is up to date with its trades." in preview.text
    client.post(REBUILD, {"position": f"{hidden.pk}:000660", "confirm": "yes"})

    assert Position.objects.get(account=hidden).quantity == 5
    assert stale() == ["HIDDENACC 000660"]


def test_checking_charges_and_prices_again_leaves_positions_fresh(book):
    call_command("assess_fills", "--all", stdout=StringIO())

    assert Trade.objects.get().settles_on == dt.date(2026, 11, 27)  # rewritten
    Trade.objects.update(strategy="pairs", broker_order_id="0000000009", venue="NXT")
    assert stale() == []


@pytest.mark.parametrize(
    ("change", "marked"),
    [
        ({"quantity": 150}, ["MAIN 000660"]),
        ({"price": 171000}, ["MAIN 000660"]),
        ({"side": "SELL"}, ["MAIN 000660"]),
        ({"commission": 25}, ["MAIN 000660"]),
        ({"executed_at": dt.datetime(2026, 11, 25, 11, tzinfo=KST)}, ["MAIN 000660"]),
        ({"symbol": "005930"}, ["MAIN 000660", "MAIN 005930"]),
        ({"account": "SWING"}, ["MAIN 000660", "SWING 000660"]),
    ],
)
def test_changing_what_a_position_is_made_of_marks_it(book, change, marked):
    if "account" in change:
        change = {"account": factories.account(change["account"])}
    Trade.objects.update(**change)

    assert stale() == marked


def test_an_engine_update_in_sql_of_a_charge_check_marks_nothing(book):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trades SET expected_commission = 1, charges_differ = true")
        assert stale() == []
        cursor.execute("UPDATE trades SET tax = tax + 1")
    assert stale() == ["MAIN 000660"]


def test_the_rebuild_keeps_the_list_s_filters_through_the_preview_and_back(book, admin_client):
    engine_sells(book, 57)
    filters = f"account={book.pk}&open=yes"

    page = admin_client.get(f"{LIST}?{filters}")
    link = f"{REBUILD}?_changelist_filters=account%3D{book.pk}%26open%3Dyes"
    assert f'<a class="button" href="{link.replace("&", "&amp;")}">Rebuild them</a>' in page.text

    preview = admin_client.get(link)
    assert (
        f'<input type="hidden" name="_changelist_filters" value="{filters.replace("&", "&amp;")}">'
        in preview.text
    )
    assert (
        f'<a href="{LIST}?{filters.replace("&", "&amp;")}" class="button cancel-link">'
        in preview.text
    )

    done = admin_client.post(
        REBUILD,
        {"position": f"{book.pk}:000660", "confirm": "yes", "_changelist_filters": filters},
    )
    assert (done.status_code, done.url) == (302, f"{LIST}?{filters}")


def test_the_rebuild_action_comes_back_to_the_filtered_list(book, admin_client):
    engine_sells(book, 57)
    position = Position.objects.get()
    preview = admin_client.post(
        f"{LIST}?open=yes",
        {"action": "rebuild_selected", "_selected_action": [position.pk]},
    )
    assert preview.context["filters"] == "open=yes"
    done = admin_client.post(
        REBUILD,
        {"position": f"{book.pk}:000660", "confirm": "yes", "_changelist_filters": "open=yes"},
    )
    assert done.url == f"{LIST}?open=yes"


def test_a_hostile_filter_string_stays_a_query_string(book, admin_client):
    done = admin_client.get(REBUILD, {"_changelist_filters": "a=1\r\nSet-Cookie: x=1&b=<2>"})
    assert (done.status_code, done.url) == (302, f"{LIST}?a=1%0D%0ASet-Cookie%3A+x%3D1&b=%3C2%3E")
