"""Loading bars from the admin (/admin/marketdata/load/upload/): upload, preview how the file
was read and what it would do, correct the mapping, confirm, and the same load record and
undo as the command."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketdata.admin import bar_uploads
from marketdata.models import BarLayout, Load, MarketData

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
URL = "admin:marketdata_load_upload"
BROKER = (
    "Trade day,Open,High,Low,Last,Shares\n"
    "2024-01-02,78200,79800,78200,79600,17142847\n"
    "2024-01-03,78500,78800,77000,77000,21753644\n"
)


@pytest.fixture(autouse=True)
def spool(tmp_path, monkeypatch):
    monkeypatch.setattr(bar_uploads, "spool_root", lambda: tmp_path / "spool")


def member(client, role):
    user = User.objects.create_user(f"{role}-user", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def upload(name="005930.csv", text=BROKER):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post(client, **data):
    return client.post(reverse(URL), data)


MAPPED = {"maps": "date=Trade day\nclose=Last\nvolume=Shares"}


def test_an_operator_previews_a_file_and_nothing_is_written(client):
    member(client, "operator")

    response = post(client, file=upload(), **MAPPED)

    assert response.status_code == 200
    shown = response.context["preview"]
    assert shown.errors == []
    result = shown.result
    assert (result.inserted, result.updated, result.unchanged) == (2, 0, 0)
    assert result.reading["columns"] == {
        "date": "Trade day",
        "open": "Open",
        "high": "High",
        "low": "Low",
        "close": "Last",
        "volume": "Shares",
    }
    assert [b.values for b in shown.first] == [
        "78,200 / 79,800 / 78,200 / 79,600 / 17,142,847",
        "78,500 / 78,800 / 77,000 / 77,000 / 21,753,644",
    ]
    assert MarketData.objects.count() == 0
    assert Load.objects.count() == 0


def test_a_file_that_cannot_be_read_is_shown_with_its_errors_then_mapped_and_confirmed(client):
    user = member(client, "operator")

    first = post(client, file=upload())
    assert (
        first.context["preview"]
        .errors[0]
        .endswith(
            "the header has no date, close, volume column (looked for date: date, 날짜, 일자, "
            "stck_bsop_date, datetime, time; close: close, 종가, stck_clpr, stck_prpr, 체결가, "
            "price; volume: volume, 거래량, acml_vol, cntg_vol, vol., vol; found Trade day, Open, "
            "High, Low, Last, Shares). Case and surrounding spaces do not matter; name a column we "
            "do not know with --map, such as --map date=HEADER --map close=HEADER --map "
            "volume=HEADER; a file without a header needs --columns"
        )
    )
    # The file waits; the mapping corrected, no upload again.
    again = post(client, save_layout="broker", **MAPPED)
    assert again.context["preview"].result.inserted == 2

    done = post(client, confirm="yes", save_layout="broker", **MAPPED)

    load = Load.objects.get()
    assert done.status_code == 302
    assert done.url == reverse("admin:marketdata_load_change", args=[load.pk])
    assert (load.user, load.inserted, load.options["read"]["layout"]) == (user, 2, "mapped")
    assert MarketData.objects.count() == 2
    assert BarLayout.objects.get().name == "broker"
    assert not any((bar_uploads.spool_root()).iterdir())


def test_the_preview_shows_each_bar_that_would_change_before_and_after(client):
    member(client, "operator")
    post(client, file=upload(), confirm="yes", **MAPPED)
    changed = BROKER.replace("79600", "79700")

    response = post(client, file=upload(text=changed), **MAPPED)

    shown = response.context["preview"]
    assert (shown.result.inserted, shown.result.updated, shown.result.unchanged) == (0, 1, 1)
    assert [(c.before_shown, c.now_shown) for c in shown.changes] == [
        (
            "78,200 / 79,800 / 78,200 / 79,600 / 17,142,847",
            "78,200 / 79,800 / 78,200 / 79,700 / 17,142,847",
        )
    ]
    assert MarketData.objects.get(time=dt.datetime(2024, 1, 2, tzinfo=KST)).close == 79600


def test_a_viewer_may_not_load_and_sees_no_link(client):
    member(client, "viewer")

    assert client.get(reverse(URL)).status_code == 403
    assert post(client, file=upload(), confirm="yes", **MAPPED).status_code == 403
    changelist = client.get(reverse("admin:marketdata_load_changelist"))
    assert reverse(URL) not in changelist.content.decode()
    assert MarketData.objects.count() == 0


def test_an_operator_sees_the_link_on_the_loads_list(client):
    member(client, "operator")

    changelist = client.get(reverse("admin:marketdata_load_changelist"))

    assert reverse(URL) in changelist.content.decode()


def test_anonymous_requests_are_sent_to_log_in_and_write_nothing(client):
    response = post(client, file=upload(), confirm="yes", **MAPPED)

    assert response.status_code == 302
    assert "/login/" in response.url
    assert MarketData.objects.count() == 0


def test_a_file_over_the_import_limit_is_refused_on_the_form(client, settings):
    member(client, "operator")
    settings.QB_IMPORT_MAX_BYTES = 100

    response = post(client, file=upload(), **MAPPED)

    assert response.context["form"].errors["file"] == [
        "The file is 0.0 MB; an import may be at most 0.0 MB."
    ]
    assert "preview" not in response.context


def test_confirming_without_a_file_asks_for_one(client):
    member(client, "operator")

    response = post(client, confirm="yes", **MAPPED)

    assert response.context["form"].errors["file"] == ["Choose a file to load."]
