import os


def pytest_ignore_collect(collection_path, config):
    # tests/timescale needs the TimescaleDB test engine as the default database, so it runs
    # in a session of its own (bin/test-timescale, called by `make test`).
    if collection_path.name == "timescale" and os.environ.get("QB_TEST_ENGINE") != "timescaledb":
        return True
    return None
