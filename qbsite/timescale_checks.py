"""The health checks of the TimescaleDB side: the extension and the hypertable,
compression, and the background jobs with their failures (qbsite/health.py runs them)."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketdata.timescale import introspection
from qbsite.health_checks import (
    ERROR,
    NOT_APPLICABLE,
    OK,
    RANK,
    WARNING,
    Check,
)


def _no_timescale(name, ctx):
    """market_data is not a hypertable. With QB_TIMESCALEDB=required that is an error, and
    where someone can act (the server has the extension) a warning. On a server without
    TimescaleDB under `auto` (the quickstart's embedded PostgreSQL), or with `off`, it is
    information, said once: the timescaledb check is ok and says so, and the compression
    and jobs checks, which have nothing to look at, do not apply."""
    caps = ctx.hypertable.caps
    mode = settings.QB_TIMESCALEDB
    if not caps.available:
        message = _("TimescaleDB is not available on %(server)s") % {"server": caps.server}
    elif not caps.installed:
        message = _("the timescaledb extension is not installed; run manage.py timescale apply")
    else:
        message = _("market_data is not a hypertable; run manage.py timescale apply")
    if mode == "required":
        return Check(name, ERROR, message, {"timescaledb": False})
    if caps.available and mode != "off":
        return Check(name, WARNING, message, {"timescaledb": False})
    if name != "timescaledb":
        return Check(name, OK, _("does not apply without TimescaleDB"), NOT_APPLICABLE)
    return Check(
        name,
        OK,
        _("%(why)s; market_data is a plain table (QB_TIMESCALEDB=%(mode)s)")
        % {"why": message, "mode": mode},
        {"timescaledb": False},
    )


def check_timescaledb(ctx):
    info = ctx.hypertable
    if not info.is_hypertable:
        return _no_timescale("timescaledb", ctx)
    return Check(
        "timescaledb",
        OK,
        _(
            "TimescaleDB %(version)s (%(license)s license), market_data is a hypertable: "
            "%(chunks)s chunks of %(interval)s"
        )
        % {
            "version": info.version,
            "license": info.caps.license,
            "chunks": info.chunks,
            "interval": info.chunk_interval,
        },
        {
            "version": info.version,
            "license": info.caps.license,
            "hypertable": True,
            "chunk_interval": str(info.chunk_interval),
            "chunks": info.chunks,
        },
    )


def check_compression(ctx):
    info = ctx.hypertable
    if not info.is_hypertable:
        return _no_timescale("compression", ctx)
    if not info.caps.compression:
        return Check(
            "compression",
            WARNING,
            _("the %(license)s edition of TimescaleDB has no compression")
            % {"license": info.caps.license},
            {"enabled": False},
        )
    details = {
        "enabled": info.compression_enabled,
        "compressed_chunks": info.compressed_chunks,
        "uncompressed_chunks": info.chunks - info.compressed_chunks,
        "bytes_before": info.bytes_before,
        "bytes_after": info.bytes_after,
        "ratio": round(info.ratio, 2) if info.ratio else None,
        "backlog_chunks": info.backlog,
        "compress_after": info.compress_after,
    }
    if not info.compression_enabled:
        return Check(
            "compression", WARNING, _("compression is off; run manage.py timescale apply"), details
        )
    message = _("%(compressed)s of %(chunks)s chunks compressed") % {
        "compressed": info.compressed_chunks,
        "chunks": info.chunks,
    }
    if info.ratio:
        before, after = info.bytes_before / 1e6, info.bytes_after / 1e6
        message += f", {before:,.1f} MB -> {after:,.1f} MB ({info.ratio:.1f}x)"
    if info.backlog:
        return Check(
            "compression",
            WARNING,
            _("%(summary)s; %(backlog)s chunks older than %(after)s are not compressed")
            % {"summary": message, "backlog": info.backlog, "after": info.compress_after},
            details,
        )
    return Check("compression", OK, message, details)


def check_jobs(ctx):
    info = ctx.hypertable
    if not info.is_hypertable:
        return _no_timescale("jobs", ctx)
    if not info.caps.compression:
        return Check(
            "jobs",
            WARNING,
            _("the %(license)s edition of TimescaleDB has no policies")
            % {"license": info.caps.license},
            {},
        )
    jobs = {j.kind: j for j in info.jobs}
    details = {
        "jobs": [j.as_dict() for j in info.jobs],
        "aggregate_jobs": [j.as_dict() for j in info.aggregate_jobs],
    }
    expected = ["compression"] + (["retention"] if settings.MARKETDATA_RETENTION else [])
    problems, status = [], OK
    for kind in expected:
        if kind not in jobs:
            problems.append(_("no %(kind)s policy") % {"kind": kind})
            status = max(status, WARNING, key=RANK.get)
    for job in info.jobs + info.aggregate_jobs:
        name = job.kind if job.table == introspection.TABLE else f"{job.table} {job.kind}"
        if job.last_run_status == "Failed":
            error = f": {job.errors[0]}" if job.errors else ""
            problems.append(
                _("%(name)s job %(id)s failed its last run%(error)s")
                % {"name": name, "id": job.job_id, "error": error}
            )
            status = ERROR
        elif job.next_start and job.next_start < ctx.now - job.schedule_interval:
            problems.append(
                _("%(name)s job %(id)s is overdue since %(moment)s")
                % {"name": name, "id": job.job_id, "moment": f"{job.next_start:%Y-%m-%d %H:%M}"}
            )
            status = max(status, WARNING, key=RANK.get)
    if problems:
        return Check("jobs", status, "; ".join(problems), details)
    summary = ", ".join(
        _("%(kind)s every %(every)s (%(setting)s), ")
        % {"kind": j.kind, "every": j.schedule_interval, "setting": j.setting}
        + (
            _("last %(status)s") % {"status": j.last_run_status.lower()}
            if j.last_run_status
            else _("not run yet")
        )
        for j in info.jobs
    )
    if info.aggregate_jobs:
        count = len(info.aggregate_jobs)
        summary += ngettext(
            "; %(count)s continuous aggregate job, not late",
            "; %(count)s continuous aggregate jobs, none late",
            count,
        ) % {"count": count}
    return Check("jobs", OK, summary, details)
