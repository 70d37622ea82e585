"""Holes of the account scope found by the attack on the back office, each closed: the trade
import's lookup by id, old versions of a moved trade, and what the filters, the health
page and the front page said of hidden accounts."""

import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marketdata.models import StockMetadata
from qbsite import health
from tests import factories
from trading.models import Level

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    """MAIN (the limited people's account) and HIDDENACC, a fill each."""
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    main = factories.account("MAIN", number="12345678-01")
    hidden = factories.account("HIDDENACC", number="98765432-99")
    trades = {}
    for account, order in ((main, "MAIN-ORDER-1"), (hidden, "HIDDEN-ORDER-777")):
        trade = factories.trade(account=account, broker_order_id=order, strategy="momentum")
        trade.save()
        trades[account.code] = trade
    return {"MAIN": main, "HIDDENACC": hidden, "trades": trades}


def limited(name, main, *, operator):
    """Staff listed on `main` only: an account viewer, or with an operator's permissions
    but the one to see every account."""
    user = User.objects.create_user(name, password="a-long-pass-phrase", is_staff=True)
    user.groups.add(Group.objects.get(name="account_viewer"))
    if operator:
        permissions = Group.objects.get(name="operator").permissions
        user.user_permissions.add(*permissions.exclude(codename="view_all_accounts"))
    main.visible_to.add(user)
    return user


@pytest.fixture
def operator(books):
    return limited("desk-operator", books["MAIN"], operator=True)


@pytest.fixture
def viewer(books):
    return limited("desk-viewer", books["MAIN"], operator=False)


def preview(client, csv):
    response = client.post(
        reverse("admin:trading_trade_import"),
        {"import_file": SimpleUploadedFile("t.csv", csv.encode()), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    return response


def row_errors(response):
    return [row.error.messages for row in response.context["result"].invalid_rows]


# (4) The trade import's lookup by id.


def test_an_import_naming_another_account_s_fill_by_id_is_refused_like_a_missing_id(
    client, books, operator
):
    hidden = books["trades"]["HIDDENACC"]
    client.force_login(operator)
    missing = uuid.uuid4()
    response = preview(
        client,
        f"id,quantity,price,strategy\n{hidden.pk},1,1000,stolen\n{missing},1,1000,stolen\n",
    )
    found, none = row_errors(response)
    assert found[0] == f"no fill {hidden.pk} among the fills of your accounts"
    assert none[0] == f"no fill {missing} among the fills of your accounts"
    assert found[1:] == none[1:]  # and nothing else said of either
    assert "confirm_form" not in response.context
    assert "HIDDEN-ORDER-777" not in response.content.decode()
    hidden.refresh_from_db()
    assert (hidden.quantity, hidden.strategy) == (10, "momentum")


def test_an_import_cannot_move_another_account_s_fill_into_the_importer_s(client, books, operator):
    hidden = books["trades"]["HIDDENACC"]
    client.force_login(operator)
    response = preview(client, f"id,account\n{hidden.pk},MAIN\n")
    [errors] = row_errors(response)
    assert errors[0] == f"no fill {hidden.pk} among the fills of your accounts"
    assert "confirm_form" not in response.context
    hidden.refresh_from_db()
    assert hidden.account == books["HIDDENACC"]


def test_an_import_names_the_importer_s_accounts_only_in_its_account_column(
    client, books, operator
):
    own = books["trades"]["MAIN"]
    client.force_login(operator)
    response = preview(client, f"id,account\n{own.pk},HIDDENACC\n")
    assert row_errors(response) == [["no account 'HIDDENACC'; the accounts are MAIN"]]
    own.refresh_from_db()
    assert own.account == books["MAIN"]


def test_an_import_still_corrects_the_importer_s_own_fill_by_id(client, books, operator):
    own = books["trades"]["MAIN"]
    client.force_login(operator)
    response = preview(client, f"id,quantity,price,strategy\n{own.pk},7,72000,swing\n")
    assert row_errors(response) == []
    form = response.context["confirm_form"]
    client.post(reverse("admin:trading_trade_process_import"), dict(form.initial))
    own.refresh_from_db()
    assert (own.quantity, own.strategy) == (7, "swing")


# (5) Old versions of a trade that moved to another account.


@pytest.fixture
def moved(books):
    """MAIN's fill, moved to HIDDENACC: its first version still says MAIN."""
    trade = books["trades"]["MAIN"]
    trade.account = books["HIDDENACC"]
    trade.save()
    return trade, trade.history.earliest()


def test_an_old_version_of_a_fill_moved_to_a_hidden_account_is_not_found(
    client, books, viewer, moved
):
    trade, version = moved
    assert version.account == books["MAIN"]
    client.force_login(viewer)
    page = reverse("admin:trading_trade_simple_history", args=[trade.pk, version.history_id])
    missing = reverse("admin:trading_trade_simple_history", args=[uuid.uuid4(), 1])
    assert client.get(page).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.get(reverse("admin:trading_trade_history", args=[trade.pk])).status_code == 404


def test_a_limited_operator_cannot_revert_a_moved_fill_into_its_own_account(
    client, books, operator, moved
):
    trade, version = moved
    client.force_login(operator)
    page = reverse("admin:trading_trade_simple_history", args=[trade.pk, version.history_id])
    form = {
        "account": books["MAIN"].pk,
        "venue": "KRX",
        "executed_at_0": "2024-03-04",
        "executed_at_1": "10:00:00",
        "symbol": "005930",
        "side": "BUY",
        "quantity": "10",
        "price": "72000",
        "commission": "108",
        "tax": "0",
        "strategy": "momentum",
        "fill_seq": "1",
        "_change_history": "1",
    }
    assert client.post(page, form).status_code == 404
    trade.refresh_from_db()
    assert trade.account == books["HIDDENACC"]
    assert trade.history.count() == 2


def test_a_version_of_the_person_s_own_fill_still_opens(client, books, viewer):
    trade = books["trades"]["MAIN"]
    version = trade.history.earliest()
    client.force_login(viewer)
    page = reverse("admin:trading_trade_simple_history", args=[trade.pk, version.history_id])
    assert client.get(page).status_code == 200


def test_a_hidden_fill_s_pages_answer_as_a_missing_fill_s(client, books, viewer):
    hidden = books["trades"]["HIDDENACC"]
    missing = uuid.uuid4()
    client.force_login(viewer)
    for name, code in (("change", 404), ("history", 404), ("delete", 403)):
        codes = [
            client.get(reverse(f"admin:trading_trade_{name}", args=[pk])).status_code
            for pk in (hidden.pk, missing)
        ]
        assert codes == [code, code], name  # a viewer deletes nothing: 403 for either


# (6) What the filters, the health page and the front page say of hidden accounts.


def test_the_strategy_filter_lists_only_the_strategies_of_the_visible_accounts(
    client, books, viewer
):
    factories.trade(account=books["HIDDENACC"], strategy="secret-arbitrage").save()
    client.force_login(viewer)
    response = client.get(reverse("admin:trading_trade_changelist"))
    [strategy] = [
        f
        for f in response.context["cl"].filter_specs
        if getattr(f, "parameter_name", 0) == "strategy"
    ]
    assert [value for value, _ in strategy.lookup_choices] == ["momentum"]
    assert "secret-arbitrage" not in response.content.decode()


@pytest.fixture
def hidden_figures(books):
    """An open position and a position older than its trades in each account; an error
    log of a component."""
    for account, symbol in ((books["MAIN"], "005930"), (books["HIDDENACC"], "000660")):
        factories.position(account=account, symbol=symbol, quantity=5).save()
        factories.trade(account=account, symbol=symbol).save()  # marks the position stale
    factories.log(level=Level.ERROR, component="hidden-desk-feed", timestamp=timezone.now()).save()


def test_the_health_checks_count_and_name_only_what_the_person_may_see(
    books, viewer, hidden_figures
):
    checks = {c.name: c for c in health.run(user=viewer)}
    assert checks["positions"].details["open"] == 1
    assert checks["positions"].details["stale"] == ["005930"]
    assert checks["positions"].details["unpriced"] == ["005930"]
    assert "logs" not in checks and "tables" not in checks
    everything = {c.name: c for c in health.run()}
    assert everything["positions"].details["open"] == 2
    assert everything["positions"].details["stale"] == ["000660", "005930"]
    assert everything["logs"].details["components"] == {
        "hidden-desk-feed": {Level.ERROR: 1, Level.CRITICAL: 0}
    }


def test_the_health_page_and_the_front_page_name_nothing_of_hidden_accounts(
    client, admin_client, books, viewer, hidden_figures
):
    client.force_login(viewer)
    for url in (reverse("admin:health"), reverse("admin:index")):
        text = client.get(url).content.decode()
        assert "000660" not in text and "hidden-desk-feed" not in text, url
    front = client.get(reverse("admin:index")).context["dashboard"]
    [positions] = [c for c in front["health"]["checks"] if c.name == "positions"]
    assert positions.details["open"] == 1
    # Whoever sees every account, right after (the report is cached a minute), sees all.
    everyone = admin_client.get(reverse("admin:index")).context["dashboard"]
    [positions] = [c for c in everyone["health"]["checks"] if c.name == "positions"]
    assert positions.details["open"] == 2
    assert "hidden-desk-feed" in admin_client.get(reverse("admin:health")).content.decode()


def test_a_position_id_of_a_hidden_account_cannot_be_told_from_a_missing_one(client, books, viewer):
    hidden = factories.position(account=books["HIDDENACC"], symbol="000660")
    hidden.save()
    client.force_login(viewer)
    for name, code in (("change", 404), ("history", 404), ("delete", 403)):
        codes = [
            client.get(reverse(f"admin:trading_position_{name}", args=[pk])).status_code
            for pk in (hidden.pk, hidden.pk + 1000)
        ]
        assert codes == [code, code], name  # a viewer deletes nothing: 403 for either
