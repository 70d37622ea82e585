"""A viewer limited to some accounts sees nothing of the others: lists, pages, history,
exports, autocomplete, chart data, the front page and imports, URL by URL."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketdata.models import StockMetadata
from tests import factories
from tests.test_every_admin_url import admin_paths
from trading.models import Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
HIDDEN = ("HIDDENACC", "HIDDEN-ORDER-777", "98765432-99")  # what must never show


@pytest.fixture
def desk():
    """MAIN (which the limited viewer may see) and HIDDENACC (which it may not), each with a
    fill, a position, a commission schedule and a history."""
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    factories.bar().save()
    main = factories.account("MAIN", number="12345678-01")
    hidden = factories.account("HIDDENACC", number="98765432-99")
    now = timezone.now()
    rows = {}
    for account, order in ((main, "MAIN-ORDER-1"), (hidden, "HIDDEN-ORDER-777")):
        trade = factories.trade(account=account, broker_order_id=order, executed_at=now)
        trade.save()
        trade.quantity = 11
        trade.save()  # a second history record
        position = factories.position(account=account)
        position.save()
        schedule = factories.schedule(account=account)
        schedule.save()
        run = factories.run(account=account, status="differences", difference_count=1)
        run.save()
        run.differences.create(kind="quantity", broker_order_id=order, symbol="005930")
        rows[account.code] = {
            "trade": trade,
            "position": position,
            "commissionschedule": schedule,
            "reconciliationrun": run,
            "account": account,
        }
    user = User.objects.create_user("desk-a", password="a-long-pass-phrase", is_staff=True)
    user.groups.add(Group.objects.get(name="account_viewer"))
    main.visible_to.add(user)
    return user, rows


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_every_admin_page_of_a_hidden_account_s_rows_shows_nothing_of_them(client, desk):
    user, rows = desk
    hidden = rows["HIDDENACC"]
    others = {
        "strategyperformance": factories.performance(),
        "riskmetric": factories.risk(account=hidden["account"]),
        "systemlog": factories.log(),
    }
    for obj in others.values():
        obj.save()
    paths = admin_paths(hidden | others | {"stockmetadata": StockMetadata.objects.get()})
    client.force_login(user)
    shown = {}
    for path in paths:
        if path == "/admin/logout/":
            continue
        response = client.get(path)
        assert response.status_code in (200, 302, 400, 403, 404, 405), path
        text = body(response)
        leaks = [h for h in HIDDEN if h in text]
        if leaks:
            shown[path] = leaks
    assert shown == {}


def test_the_lists_show_only_the_visible_account(client, desk):
    user, rows = desk
    client.force_login(user)
    for name in ("trade", "position", "commissionschedule", "reconciliationrun", "account"):
        response = client.get(reverse(f"admin:trading_{name}_changelist"))
        assert response.status_code == 200, name
        assert {o.pk for o in response.context["cl"].result_list} == {rows["MAIN"][name].pk}


def test_pages_of_a_hidden_fill_are_refused_and_those_of_a_visible_one_open(client, desk):
    user, rows = desk
    client.force_login(user)
    for code, allowed in (("MAIN", True), ("HIDDENACC", False)):
        trade = rows[code]["trade"]
        record = trade.history.earliest()
        pages = [
            reverse("admin:trading_trade_change", args=[trade.pk]),
            reverse("admin:trading_trade_history", args=[trade.pk]),
            reverse("admin:trading_trade_simple_history", args=[trade.pk, record.history_id]),
            reverse("admin:trading_position_change", args=[rows[code]["position"].pk]),
            reverse("admin:trading_position_history", args=[rows[code]["position"].pk]),
        ]
        for url in pages:
            response = client.get(url)
            if allowed:
                assert response.status_code == 200, url
            else:
                assert response.status_code in (302, 403, 404), url
                assert "HIDDEN-ORDER-777" not in body(response)


def test_the_export_holds_only_the_visible_account(client, desk):
    user, _ = desk
    client.force_login(user)
    response = client.post(
        reverse("admin:trading_trade_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"traderesource_{f}": "on" for f in ("id", "account", "broker_order_id")},
        },
    )
    assert response.status_code == 200
    text = body(response)
    assert "MAIN-ORDER-1" in text and "HIDDEN-ORDER-777" not in text


def test_autocomplete_offers_only_the_visible_accounts(client, desk):
    user, _ = desk
    client.force_login(user)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "trading", "model_name": "trade", "field_name": "account", "term": ""},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["MAIN MAIN account"]


def test_the_chart_data_draws_only_the_visible_account_s_fills(client, desk):
    user, _ = desk
    client.force_login(user)
    day = timezone.localdate(timezone.now(), KST)
    response = client.get(
        reverse("admin:marketdata_chart_data"),
        {
            "symbol": "005930",
            "interval": "1d",
            "start": "2024-01-01",
            "end": str(day + dt.timedelta(days=1)),
        },
    )
    assert response.status_code == 200
    trades = json.loads(response.content)["trades"]
    assert [t["account"] for t in trades] == ["MAIN"]


def test_the_front_page_counts_only_the_visible_account(client, desk):
    user, _ = desk
    client.force_login(user)
    figures = client.get(reverse("admin:index")).context["dashboard"]
    assert figures["trades_today"] == 1
    assert [a["account"].code for a in figures["accounts"]] == ["MAIN"]
    assert figures["risk"] is None and figures["errors"] == []


def test_a_limited_viewer_cannot_import_or_see_sums_over_every_account(client, desk):
    user, _ = desk
    client.force_login(user)
    for url in (
        reverse("admin:trading_trade_import"),
        reverse("admin:trading_strategyperformance_changelist"),
        reverse("admin:trading_riskmetric_changelist"),
        reverse("admin:trading_systemlog_changelist"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("admin:trading_trade_process_import"),
        {
            "import_file_name": "x.csv",
            "original_file_name": "x.csv",
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code == 403
    assert Trade.objects.count() == 2


def test_an_operator_limited_to_one_account_imports_into_it_only(client, desk):
    user, _ = desk
    # An operator's permissions, but not the one to see every account.
    operator = Group.objects.get(name="operator").permissions
    user.user_permissions.add(*operator.exclude(codename="view_all_accounts"))
    client.force_login(user)
    csv = (
        "account,executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id\n"
        "HIDDENACC,2024-03-04 10:00:00,005930,BUY,1,72000,11,0,momentum,X1\n"
    )
    response = client.post(
        reverse("admin:trading_trade_import"),
        {"import_file": SimpleUploadedFile("t.csv", csv.encode()), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert "no account &#x27;HIDDENACC&#x27;; the accounts are MAIN" in body(response)
    assert "confirm_form" not in response.context


def test_a_limited_operator_reconciles_only_its_own_accounts(client, desk):
    user, rows = desk
    operator = Group.objects.get(name="operator").permissions
    user.user_permissions.add(*operator.exclude(codename="view_all_accounts"))
    client.force_login(user)
    url = reverse("admin:trading_reconciliationrun_reconcile")
    form = client.get(url).context["form"]
    assert list(form.fields["account"].queryset) == [rows["MAIN"]["account"]]
    hidden = rows["HIDDENACC"]["reconciliationrun"]
    create = reverse("admin:trading_reconciliationrun_create_missing", args=[hidden.pk])
    assert client.get(create).status_code == 404


def test_the_chart_marks_the_fills_of_the_account_chosen_among_those_visible(
    client, admin_client, desk
):
    user, rows = desk
    main, hidden = rows["MAIN"]["account"], rows["HIDDENACC"]["account"]
    day = timezone.localdate(timezone.now(), KST)
    query = {"symbol": "005930", "interval": "1d", "start": "2024-01-01", "end": str(day)}
    data = reverse("admin:marketdata_chart_data")

    def accounts(response):
        return [t["account"] for t in json.loads(response.content)["trades"]]

    assert sorted(accounts(admin_client.get(data, query))) == ["HIDDENACC", "MAIN"]
    assert accounts(admin_client.get(data, query | {"account": hidden.pk})) == ["HIDDENACC"]
    client.force_login(user)
    page = client.get(reverse("admin:marketdata_chart"), query)
    [select] = page.context["extra_selects"]
    assert [value for value, _ in select["choices"]] == ["", str(main.pk)]
    # Asking for the hidden account's fills gives none.
    assert accounts(client.get(data, query | {"account": hidden.pk})) == []


def test_the_trade_list_of_a_limited_viewer_names_its_accounts_not_a_subquery(client, desk):
    # A subquery hides from the planner how few rows a small account holds: it would walk
    # every trade newest first looking for them.
    user, rows = desk
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:trading_trade_changelist"))
    assert [t.pk for t in page.context["cl"].result_list] == [rows["MAIN"]["trade"].pk]
    listed = [q["sql"] for q in queries if q["sql"].startswith('SELECT "trades"."id"')]
    assert listed
    main = rows["MAIN"]["account"].pk
    for sql in listed:
        assert f'"trades"."account_id" IN ({main})' in sql
        assert "accounts_visible_to" not in sql
