import os

import pytest


def pytest_ignore_collect(collection_path, config):
    # tests/timescale needs the TimescaleDB test engine as the default database, so it runs
    # in a session of its own (bin/test-timescale, called by `make test`).
    if collection_path.name == "timescale" and os.environ.get("QB_TEST_ENGINE") != "timescaledb":
        return True
    return None


@pytest.fixture(autouse=True)
def plain_http_test_client(settings):
    # Production defaults stay on in the tests, except those the test client cannot meet:
    # it speaks plain HTTP and static files are not collected.
    settings.SECURE_SSL_REDIRECT = False
    settings.QB_LOG_TO_DATABASE = False
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }


@pytest.fixture(autouse=True)
def empty_cache():
    # The database is emptied after each test; the cache (the front page's health report,
    # kept a minute per language) must be too, or a test sees the rows of the one before.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    # A request in Korean leaves Korean active in the thread; the next test reads English
    # messages unless it asks for Korean itself.
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def pytest_terminal_summary(terminalreporter):
    # The chart's first draw as the browser test measured it (tests/test_browser.py), in
    # the run's output as in its JUnit report and test-artifacts/first-draw.txt.
    for reports in list(terminalreporter.stats.values()):
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in report.user_properties:
                if name == "first_draw_ms":
                    terminalreporter.write_line(
                        f"{report.nodeid}: the chart's first draw came {value:.0f} ms after "
                        "navigation start (cold cache)"
                    )
