"""Named layouts: --save-layout NAME keeps how a file was read, --layout NAME reads the next
file the same way."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import BarLayout, Load, MarketData

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
BROKER = (
    "Trade day,First,Top,Bottom,Last,Shares (천주)\n"
    '"Apr 18, 2024",78200,79800,78200,79600,17\n'
    '"Apr 19, 2024",78500,78800,77000,77000,21\n'
)
MAPS = ["--map", "date=Trade day", "--map", "open=First", "--map", "high=Top"]
MAPS += ["--map", "low=Bottom", "--map", "close=Last*1", "--map", "volume=Shares"]


def write(tmp_path, text, name="005930.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def load(*args):
    out = StringIO()
    call_command("load_marketdata", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def load_error(*args):
    with pytest.raises(CommandError) as caught:
        load(*args)
    return str(caught.value)


def bars():
    return list(
        MarketData.objects.order_by("symbol", "time").values_list(
            "time", "symbol", "open", "high", "low", "close", "volume"
        )
    )


def test_a_saved_layout_reads_the_next_file_the_same_way(tmp_path):
    load(write(tmp_path, BROKER), *MAPS, "--save-layout", "broker")

    output = load(write(tmp_path, BROKER, name="000660.csv"), "--layout", "broker")

    assert bars() == [
        (dt.datetime(2024, 4, 18, tzinfo=KST), "000660", 78200, 79800, 78200, 79600, 17000),
        (dt.datetime(2024, 4, 19, tzinfo=KST), "000660", 78500, 78800, 77000, 77000, 21000),
        (dt.datetime(2024, 4, 18, tzinfo=KST), "005930", 78200, 79800, 78200, 79600, 17000),
        (dt.datetime(2024, 4, 19, tzinfo=KST), "005930", 78500, 78800, 77000, 77000, 21000),
    ]
    assert output.splitlines()[0].startswith(
        f"{tmp_path / '000660.csv'}: read as layout broker (date=Trade day, open=First, "
    )
    assert "; dates %b %d, %Y;" in output.splitlines()[0]
    assert Load.objects.order_by("id").last().options["layout"] == "broker"


def test_a_saved_layout_holds_every_role_its_factors_and_the_date_form(tmp_path):
    load(write(tmp_path, BROKER), *MAPS, "--save-layout", "broker")

    saved = BarLayout.objects.get()
    assert (saved.name, saved.maps, saved.date_format) == (
        "broker",
        [
            "date=Trade day",
            "open=First",
            "high=Top",
            "low=Bottom",
            "close=Last*1",
            "volume=Shares (천주)",
        ],
        "%b %d, %Y",
    )


def test_saving_again_under_a_name_replaces_the_layout(tmp_path):
    load(write(tmp_path, BROKER), *MAPS, "--save-layout", "broker")
    iso = BROKER.replace('"Apr 18, 2024"', "2024-04-18").replace('"Apr 19, 2024"', "2024-04-19")

    load(write(tmp_path, iso), *MAPS, "--save-layout", "broker")

    assert list(BarLayout.objects.values_list("name", "date_format")) == [("broker", "")]


def test_a_map_given_with_a_layout_wins_for_its_role(tmp_path):
    load(write(tmp_path, BROKER), *MAPS, "--save-layout", "broker")
    other = BROKER.replace("Last,", "Final,")

    load(write(tmp_path, other, name="000660.csv"), "--layout", "broker", "--map", "close=Final")

    assert [b[5] for b in bars() if b[1] == "000660"] == [79600, 77000]


def test_an_unknown_layout_names_the_saved_ones(tmp_path):
    load(write(tmp_path, BROKER), *MAPS, "--save-layout", "broker")

    assert load_error(write(tmp_path, BROKER), "--layout", "brokr") == (
        "Nothing was loaded.\n--layout brokr: no layout of that name (saved: broker); "
        "--save-layout NAME saves the one a load used"
    )


def test_a_dry_run_saves_no_layout(tmp_path):
    load(write(tmp_path, BROKER), *MAPS, "--save-layout", "broker", "--dry-run")

    assert BarLayout.objects.count() == 0


def test_a_failed_load_saves_no_layout(tmp_path):
    broken = BROKER.replace("79800", "1")

    load_error(write(tmp_path, broken), *MAPS, "--save-layout", "broker")

    assert BarLayout.objects.count() == 0


def test_a_layout_name_must_be_a_slug(tmp_path):
    assert load_error(write(tmp_path, BROKER), *MAPS, "--save-layout", "my broker") == (
        "Nothing was loaded.\n--save-layout my broker: a layout's name is letters, digits, - "
        "and _ (60 at most), such as investing-ko"
    )
