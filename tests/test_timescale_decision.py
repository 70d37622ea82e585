"""What the marketdata migration sets up, for each kind of server it may meet."""

import pytest

from marketdata.timescale.hypertable import Capabilities, Plan, TimescaleRequired, decide

SERVER = "db.example:5432 (PostgreSQL 17.5)"
TIMESCALE = Capabilities(server=SERVER, available=True, installed="2.22.1", license="timescale")
APACHE = Capabilities(server=SERVER, available=True, installed="2.19.3", license="apache")
NONE = Capabilities(server=SERVER, available=False)


def test_the_timescale_edition_gets_hypertable_compression_and_policies():
    assert decide(TIMESCALE, "auto") == Plan(hypertable=True, compression=True)
    assert decide(TIMESCALE, "required") == Plan(hypertable=True, compression=True)


def test_the_apache_edition_gets_a_hypertable_and_one_warning_saying_why_not_compression():
    plan = decide(APACHE, "auto")

    assert (plan.hypertable, plan.compression) == (True, False)
    assert plan.warning == (
        "TimescaleDB on db.example:5432 (PostgreSQL 17.5) is the 'apache' edition: "
        "`market_data` is a hypertable, but compression and the compression/retention "
        "policies need the Timescale license and were skipped. Use the Timescale-licensed "
        "build (the official timescale/timescaledb Docker image, `docker compose up`), "
        "then run `manage.py migrate`."
    )


def test_the_apache_edition_fails_when_timescaledb_is_required():
    with pytest.raises(TimescaleRequired, match="is the 'apache' edition, without compression"):
        decide(APACHE, "required")


def test_a_server_without_timescaledb_keeps_a_plain_table_with_a_warning():
    plan = decide(NONE, "auto")

    assert (plan.hypertable, plan.compression) == (False, False)
    assert plan.warning.startswith(
        "TimescaleDB is not available on db.example:5432 (PostgreSQL 17.5): "
        "`market_data` stays a plain table"
    )


def test_a_server_without_timescaledb_fails_when_it_is_required():
    with pytest.raises(TimescaleRequired) as caught:
        decide(NONE, "required")
    assert str(caught.value).startswith(
        "QB_TIMESCALEDB=required, but the server db.example:5432 (PostgreSQL 17.5) has no "
        "timescaledb extension"
    )


@pytest.mark.parametrize("caps", [TIMESCALE, APACHE, NONE])
def test_off_never_touches_timescaledb(caps):
    assert decide(caps, "off") == Plan(hypertable=False, compression=False)
