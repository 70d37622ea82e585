"""A read replica (DATABASE_REPLICA_URL) for the admin's reads.

- Reads of market data and trading models during a GET or HEAD request go to the replica
  (the admin's lists, charts, exports, reports), unless the session wrote in the last
  moments: then, as in a request that writes, everything goes to the primary, so that a
  person sees what they just changed. Commands, writes and every other model (sessions,
  users, permissions) use the primary.
- The replica is used only while it answers and lags no more than QB_REPLICA_MAX_LAG
  seconds; its state is checked at most every CHECK_SECONDS per process, so a replica that
  is down or behind costs one probe, and reads fall back to the primary meanwhile.
"""

import contextvars
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
REPLICATED_APPS = {"marketdata", "trading"}
CHECK_SECONDS = 5.0
SESSION_KEY = "qb:wrote_at"

_reads = contextvars.ContextVar("qb_replica_reads", default=None)


@dataclass
class ReadState:
    allowed: bool
    wrote: bool = False


@dataclass(frozen=True)
class Status:
    reachable: bool
    lag: float | None = None  # seconds behind the primary
    error: str | None = None

    @property
    def usable(self) -> bool:
        return self.reachable and self.lag is not None and self.lag <= settings.QB_REPLICA_MAX_LAG


_lock = threading.Lock()
_checked: tuple[float, Status] | None = None

LAG_SQL = """
    SELECT pg_is_in_recovery(),
           CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                THEN 0
                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""


def configured() -> bool:
    return REPLICA in connections.settings


def sticky_seconds() -> float:
    """How long a session that wrote keeps reading from the primary: long enough for the
    replica to have its writes, or for a lagging one to have been found out."""
    return settings.QB_REPLICA_MAX_LAG + CHECK_SECONDS


def status(*, fresh: bool = False) -> Status:
    """The replica's state, measured at most every CHECK_SECONDS unless `fresh`."""
    global _checked
    with _lock:
        if not fresh and _checked and time.monotonic() - _checked[0] < CHECK_SECONDS:
            return _checked[1]
        found = _measure()
        _checked = (time.monotonic(), found)
        return found


def _measure() -> Status:
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as e:
        connection.close()
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return Status(reachable=False, error=reason)
    if not in_recovery:
        return Status(reachable=True, error="it is not a replica (pg_is_in_recovery() is false)")
    return Status(reachable=True, lag=float(lag))


@contextmanager
def reads(*, allowed: bool):
    """Let this request's reads use the replica (when `allowed`); yields the state, whose
    `wrote` says whether the request wrote replicated data."""
    state = ReadState(allowed=allowed)
    token = _reads.set(state)
    try:
        yield state
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        state = _reads.get()
        if (
            state is not None
            and state.allowed
            and not state.wrote
            and model._meta.app_label in REPLICATED_APPS
            and configured()
            and status().usable
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        state = _reads.get()
        if state is not None and model._meta.app_label in REPLICATED_APPS:
            state.wrote = True  # the rest of this request reads its own writes
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """GET and HEAD requests may read from the replica, unless the session wrote within
    sticky_seconds(); a request that writes (any other method, or a write through the ORM)
    marks its session."""

    SAFE = ("GET", "HEAD")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        session = request.session
        wrote_at = session.get(SESSION_KEY, 0)
        recent = time.time() - wrote_at < sticky_seconds()
        with reads(allowed=request.method in self.SAFE and not recent) as state:
            response = self.get_response(request)
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if signed_in and (request.method not in self.SAFE or state.wrote):
            session[SESSION_KEY] = time.time()
        return response
