import json
import logging

from qbsite.logging import JsonFormatter


def test_json_lines_carry_time_level_logger_and_message():
    record = logging.LogRecord(
        "marketdata.loading", logging.ERROR, __file__, 1, "bad %s", ("row",), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "marketdata.loading"
    assert entry["message"] == "bad row"
    assert entry["time"][:2] == "20"


def test_exceptions_stay_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "qbsite", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]
