"""Every load is recorded: what came in, how, what it changed, who ran it; the bars it
replaced are kept."""

import datetime as dt
import getpass
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import Load, MarketData, ReplacedBar
from tests import factories

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
QB = "time,symbol,interval_type,open,high,low,close,volume\n"
NINE = dt.datetime(2024, 1, 2, 9, tzinfo=KST)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def load(path, *args):
    call_command("load_marketdata", str(path), *args, stdout=StringIO(), stderr=StringIO())
    return Load.objects.latest("id")


def minutes(symbols, count, close=105, day=2):
    return "".join(
        f"2024-01-{day:02d} {9 + m // 60:02d}:{m % 60:02d}:00,{s},1m,100,110,90,{close},{m}\n"
        for m in range(count)
        for s in symbols
    )


def test_a_load_records_the_file_its_options_its_counts_and_who_ran_it(tmp_path):
    path = write(tmp_path, "bars.csv", QB + minutes(["005930"], 3))

    record = load(path, "--tz", "Asia/Seoul", "--on-conflict", "update")

    assert (record.file, record.size, record.sha256) == (
        str(path),
        path.stat().st_size,
        hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    assert (record.format, record.encoding, record.interval) == ("qb", "utf-8", "1m")
    assert (record.rows, record.inserted, record.updated, record.unchanged) == (3, 3, 0, 0)
    assert (record.skipped, record.rejected, record.repaired, record.phantoms) == (0, 0, 0, 0)
    assert record.options["tz"] == "Asia/Seoul"
    assert record.options["on_conflict"] == "update"
    assert record.os_user == getpass.getuser()
    assert record.user is None
    assert record.seconds > 0
    assert record.undone_at is None


def test_a_clean_canonical_file_of_new_bars_takes_the_fast_way_and_a_reload_merges(tmp_path):
    path = write(tmp_path, "bars.csv", QB + minutes(["005930", "000660"], 30))

    assert load(path).way == "direct insert"
    assert MarketData.objects.filter(load_id=Load.objects.get().pk).count() == 60
    assert load(path).way == "typed merge"


def test_a_clean_file_of_another_layout_takes_the_typed_way(tmp_path):
    path = write(tmp_path, "005930.csv", "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,3\n")
    assert load(path).way == "typed insert"


def test_a_canonical_file_with_a_day_without_trading_leaves_the_fast_way(tmp_path):
    path = write(
        tmp_path, "bars.csv", QB + minutes(["005930"], 2) + "2024-01-02,005930,1d,0,0,0,7,0\n"
    )
    record = load(path)
    assert (record.way, record.inserted, record.skipped) == ("typed insert", 2, 1)


def test_a_file_the_typed_way_cannot_read_takes_the_text_way(tmp_path):
    path = write(
        tmp_path,
        "000660.csv",
        'Date,Open,High,Low,Close,Volume\n2024-01-02,"1,000",1100,900,1000,5\n',
    )
    assert load(path).way == "text insert"


def test_a_load_records_each_series_it_wrote_with_its_range_and_counts(tmp_path):
    load(write(tmp_path, "a.csv", QB + minutes(["005930"], 10)))
    record = load(write(tmp_path, "b.csv", QB + minutes(["005930", "000660"], 20, close=106)))

    assert sorted(
        record.series.values_list("symbol", "interval_type", "first", "last", "inserted", "updated")
    ) == [
        ("000660", "1m", NINE, NINE + dt.timedelta(minutes=19), 20, 0),
        ("005930", "1m", NINE, NINE + dt.timedelta(minutes=19), 10, 10),
    ]
    assert (record.inserted, record.updated) == (30, 10)


def test_every_bar_carries_the_load_that_wrote_it_last(tmp_path):
    first = load(write(tmp_path, "a.csv", QB + minutes(["005930"], 2)))
    second = load(write(tmp_path, "b.csv", QB + minutes(["005930"], 1, close=106)))

    assert list(MarketData.objects.order_by("time").values_list("load_id", flat=True)) == [
        second.pk,
        first.pk,
    ]


def test_the_bars_a_load_updated_keep_their_previous_values(tmp_path):
    factories.bar(time=dt.datetime(2024, 1, 2, tzinfo=KST), close=71500).save()
    first = load(write(tmp_path, "a.csv", QB + "2024-01-03,005930,1d,71000,72000,70000,71600,9\n"))
    second = load(
        write(
            tmp_path,
            "b.csv",
            QB
            + "2024-01-02,005930,1d,71000,72000,70000,71700,9\n"
            + "2024-01-03,005930,1d,71000,72000,70000,71800,9\n",
        )
    )

    kept = second.replaced.order_by("time")
    assert [(r.time.date(), r.close, r.previous_load_id) for r in kept] == [
        (dt.date(2024, 1, 1), 71500, None),  # written by someone else: the trading engine
        (dt.date(2024, 1, 2), 71600, first.pk),
    ]
    assert not first.replaced.exists()


def test_bars_written_outside_a_load_keep_no_previous_values(tmp_path):
    bar = factories.bar()
    bar.save()
    MarketData.objects.filter(symbol=bar.symbol).update(close=bar.close)
    assert not ReplacedBar.objects.exists()


def test_a_load_that_fails_or_is_a_dry_run_leaves_no_record(tmp_path):
    bad = write(tmp_path, "bad.csv", QB + "2024-01-02,005930,1d,1,1,2,1,1\n")
    good = write(tmp_path, "good.csv", QB + minutes(["005930"], 2))
    with pytest.raises(CommandError):
        call_command("load_marketdata", str(bad), stdout=StringIO())
    call_command("load_marketdata", str(good), "--dry-run", stdout=StringIO(), stderr=StringIO())

    assert not Load.objects.exists()
    assert not MarketData.objects.exists()


def test_the_list_of_loads_names_only_the_rows_set_aside(tmp_path, admin_client):
    from django.urls import reverse

    load(write(tmp_path, "clean.csv", QB + minutes(["005930"], 2)))
    path = write(
        tmp_path, "bars.csv", QB + minutes(["000660"], 2) + "2024-01-02,000660,1d,0,0,0,7,0\n"
    )
    load(path)
    page = admin_client.get(reverse("admin:marketdata_load_changelist"))
    text = page.text
    assert '<td class="field-set_aside">skipped 1</td>' in text
    assert '<td class="field-set_aside">-</td>' in text
    # The file's name, with its whole path on hover.
    assert f'title="{path}">bars.csv</span>' in text
