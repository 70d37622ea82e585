"""Undoing a load gives back exactly what was there before it; it is refused when that is
no longer possible, and only those allowed to may do it."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse

from marketdata.models import Load, MarketData
from tests import factories

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
QB = "time,symbol,interval_type,open,high,low,close,volume\n"


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(QB + "".join(f"{r}\n" for r in rows))
    return path


def load(path, *args):
    call_command("load_marketdata", str(path), *args, stdout=StringIO(), stderr=StringIO())
    return Load.objects.latest("id")


def undo(number, *args):
    out = StringIO()
    call_command("undo_load", str(number), *args, stdout=out)
    return out.getvalue()


def undo_error(number, *args):
    with pytest.raises(CommandError) as caught:
        undo(number, *args)
    return str(caught.value)


def bars():
    return list(
        MarketData.objects.order_by("symbol", "interval_type", "time").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume", "load_id"
        )
    )


def day(d, symbol="005930", close=71500, volume=1000):
    return f"2024-01-{d:02d},{symbol},1d,71000,72000,70000,{close},{volume}"


@pytest.fixture
def staff(db):
    return User.objects.create_user("ops", password="x", is_staff=True)


def test_undo_gives_back_exactly_the_bars_there_were_before_the_load(tmp_path, staff):
    factories.bar(time=dt.datetime(2024, 1, 1, tzinfo=KST), close=72500).save()  # the engine's
    load(write(tmp_path, "a.csv", [day(2), day(3), day(2, "000660", 71200, 7)]))
    before = bars()

    second = load(
        write(
            tmp_path,
            "b.csv",
            [day(1, close=71600), day(2), day(3, close=71700), day(4), day(2, "000660", 71300, 8)],
        )
    )
    assert (second.inserted, second.updated, second.unchanged) == (1, 3, 1)
    assert bars() != before

    output = undo(second.pk, "--user", "ops")

    assert bars() == before
    assert output.splitlines()[-1] == (
        f"Undone: load #{second.pk} ({tmp_path / 'b.csv'}, "
        f"{second.started_at.astimezone(KST):%Y-%m-%d %H:%M} KST): delete 4 bars and put back "
        "the 3 it replaced, in 2 series"
    )
    second.refresh_from_db()
    assert second.undone_by == "ops"
    assert second.undone_at is not None


def test_undo_is_logged_in_the_admin_log_under_the_staff_user(tmp_path, staff):
    record = load(write(tmp_path, "a.csv", [day(2)]))
    undo(record.pk, "--user", "ops")

    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.change_message) == (
        staff,
        str(record.pk),
        "Undone: deleted 1 bars, put back 0.",
    )


def test_a_dry_run_shows_what_would_go_and_changes_nothing(tmp_path, staff):
    record = load(write(tmp_path, "a.csv", [day(2), day(3)]))
    before = bars()

    output = undo(record.pk, "--dry-run")

    assert output.splitlines() == [
        "  005930 1d: 2024-01-02 00:00 to 2024-01-03 00:00, 2 inserted, 0 updated",
        f"Dry run, nothing changed: would load #{record.pk} ({tmp_path / 'a.csv'}, "
        f"{record.started_at.astimezone(KST):%Y-%m-%d %H:%M} KST): delete 2 bars and put back "
        "the 0 it replaced, in 1 series",
    ]
    assert bars() == before
    assert not LogEntry.objects.exists()


def test_a_load_whose_bars_a_later_load_changed_waits_for_that_one(tmp_path, staff):
    first = load(write(tmp_path, "a.csv", [day(2), day(3)]))
    second = load(write(tmp_path, "b.csv", [day(3, close=71600)]))

    message = undo_error(first.pk, "--user", "ops")

    assert message.endswith(
        f"a later load changed some of its bars: undo #{second.pk} ({tmp_path / 'b.csv'}, "
        f"{second.started_at.astimezone(KST):%Y-%m-%d %H:%M} KST) first"
    )
    undo(second.pk, "--user", "ops")
    undo(first.pk, "--user", "ops")
    assert bars() == []


def test_a_load_whose_bars_were_deleted_since_is_not_undone(tmp_path, staff):
    record = load(write(tmp_path, "a.csv", [day(2), day(3)]))
    MarketData.objects.filter(time=dt.datetime(2024, 1, 3, tzinfo=KST)).delete()

    assert undo_error(record.pk, "--user", "ops").endswith(
        "1 of its 2 bars were changed or deleted since, not by a load (a range deletion, "
        "retention, another writer): undoing it would not give back what was there before"
    )
    assert len(bars()) == 1


def test_a_load_is_undone_once(tmp_path, staff):
    record = load(write(tmp_path, "a.csv", [day(2)]))
    undo(record.pk, "--user", "ops")
    assert "was undone on" in undo_error(record.pk, "--user", "ops")


def test_the_command_needs_a_staff_user_for_the_admin_log(tmp_path):
    record = load(write(tmp_path, "a.csv", [day(2)]))
    assert undo_error(record.pk, "--user", "nobody") == (
        "No staff user named 'nobody' to record the undo in the admin log; pass --user with a "
        "staff user's name"
    )
    assert len(bars()) == 1


def test_list_loads_shows_the_numbers_to_undo(tmp_path):
    record = load(write(tmp_path, "a.csv", [day(2)]))
    out = StringIO()
    call_command("list_loads", stdout=out)
    assert out.getvalue().startswith(f"#{record.pk} ")
    assert "inserted 1, updated 0, unchanged 0" in out.getvalue()


# --- the admin ---------------------------------------------------------------------------


def member(role, name):
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def post_undo(client, record, **extra):
    return client.post(
        reverse("admin:marketdata_load_changelist"),
        {"action": "undo_selected", "_selected_action": [record.pk], **extra},
    )


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_viewers_and_operators_see_loads_but_cannot_undo_them(client, tmp_path, role):
    record = load(write(tmp_path, "a.csv", [day(2)]))
    client.force_login(member(role, role))

    page = client.get(reverse("admin:marketdata_load_changelist"))
    assert page.status_code == 200
    assert "undo_selected" not in page.content.decode()

    post_undo(client, record, confirm="yes")

    record.refresh_from_db()
    assert record.undone_at is None
    assert len(bars()) == 1
    assert not LogEntry.objects.exists()


def test_an_admin_previews_then_undoes_a_load_and_the_admin_log_says_so(client, tmp_path):
    load(write(tmp_path, "a.csv", [day(2)]))
    record = load(write(tmp_path, "b.csv", [day(2, close=71600), day(3)]))
    admin_user = member("admin", "chief")
    client.force_login(admin_user)

    preview = post_undo(client, record)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "delete 2 bars and put back the 1 it replaced, in 1 series" in text
    # The button that undoes looks destructive.
    assert 'type="submit" class="qb-danger"' in text
    assert Load.objects.get(pk=record.pk).undone_at is None

    done = post_undo(client, record, confirm="yes")

    assert done.status_code == 302
    assert MarketData.objects.get(time=dt.datetime(2024, 1, 2, tzinfo=KST)).close == 71500
    assert not MarketData.objects.filter(time=dt.datetime(2024, 1, 3, tzinfo=KST)).exists()
    assert LogEntry.objects.get().user == admin_user


def test_the_page_of_a_load_shows_its_series_and_the_bars_it_replaced(client, tmp_path):
    load(write(tmp_path, "a.csv", [day(2)]))
    record = load(write(tmp_path, "b.csv", [day(2, close=71600)]))
    client.force_login(member("viewer", "eyes"))

    page = client.get(reverse("admin:marketdata_load_change", args=[record.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Bars this load replaced" in text
    # Prices and volumes with thousands separators, no .00 on whole won.
    assert "71,000 / 72,000 / 70,000 / 71,500 / 1,000" in text
    assert "71,000 / 72,000 / 70,000 / 71,600 / 1,000" in text
