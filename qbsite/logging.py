"""Logging: JSON lines for containers, and the project's warnings and errors kept in the
system_logs table as well.

The table handler never blocks or fails the code that logs: records go onto a bounded
queue (dropped when it is full), and one background thread writes them with its own
database connection, swallowing any failure (a database that is down included).

What reaches the table is bounded, so that no one can fill it (and the front page's and
the health check's error counts) from outside: records about a request of a client who is
not logged in stay in the process log, and one message of one logger is kept at most
BURST times a minute; the next one kept says how many were left out.
"""

import json
import logging
import queue
import threading
import time
import traceback

QUEUE_SIZE = 10_000
BURST = 10  # rows a minute for one message of one logger
WINDOW = 60.0


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class SystemLogHandler(logging.Handler):
    """Copies records into SystemLog (component = logger name) from a background thread."""

    def __init__(self, level=logging.WARNING):
        super().__init__(level)
        self.queue: queue.Queue = queue.Queue(QUEUE_SIZE)
        self._thread = None
        self._lock = threading.Lock()
        self.clock = time.monotonic
        self._bursts = {}  # (logger, message template) -> [window start, kept, left out]

    def emit(self, record):
        from django.conf import settings

        if not getattr(settings, "QB_LOG_TO_DATABASE", False):
            return
        # 4xx answers are the visitors' mistakes, not the project's.
        if record.name == "django.request" and record.levelno < logging.ERROR:
            return
        try:
            if _from_anonymous(record):
                return
            left_out = self._admit(record)
            if left_out is None:
                return
            self.queue.put_nowait(
                {
                    "level": record.levelname if record.levelname in LEVELS else "ERROR",
                    "component": record.name[:100],
                    "message": record.getMessage(),
                    "extra": {"module": record.module, "line": record.lineno}
                    | ({"exception": self.format_exception(record)} if record.exc_info else {})
                    | ({"left_out": left_out} if left_out else {}),
                }
            )
        except queue.Full:
            return
        except Exception:  # a log record must never break its caller
            return
        self._start()

    def _admit(self, record) -> int | None:
        """None when the record's message is over its BURST this minute; else how many
        records of that message were left out since the last one kept."""
        key = (record.name, str(record.msg))
        now = self.clock()
        with self._lock:
            burst = self._bursts.get(key)
            if burst is None or now - burst[0] >= WINDOW:
                left_out = burst[2] if burst else 0
                if len(self._bursts) > QUEUE_SIZE:
                    self._bursts.clear()  # bounded memory: forget old messages
                self._bursts[key] = [now, 1, 0]
                return left_out
            if burst[1] >= BURST:
                burst[2] += 1
                return None
            burst[1] += 1
            return 0

    @staticmethod
    def format_exception(record):
        return "".join(traceback.format_exception(*record.exc_info))[-4000:]

    def _start(self):
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._write, name="system-log-writer", daemon=True
                    )
                    self._thread.start()

    def _write(self):
        from django.db import connection

        from trading.models import SystemLog

        while True:
            item = self.queue.get()
            try:
                SystemLog.objects.create(**item)
            except Exception:  # noqa: S110 - nowhere to report it: the record is dropped
                pass
            finally:
                if self.queue.empty():
                    # Hold no idle connection between bursts (and none after a failure).
                    connection.close()
                self.queue.task_done()

    def flush(self):
        """Wait until every queued record is written (or dropped)."""
        if self._thread is not None and self._thread.is_alive():
            self.queue.join()


def _from_anonymous(record) -> bool:
    """Whether the record is about a request of a client who is not logged in."""
    request = getattr(record, "request", None)
    if request is None:
        return False
    try:
        return not request.user.is_authenticated
    except Exception:  # no user on the request (a forged Host), or a database that is down
        return True


LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
