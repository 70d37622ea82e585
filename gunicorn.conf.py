"""gunicorn's settings, the same for the Docker image and `make run`:
`gunicorn -c gunicorn.conf.py qbsite.wsgi`.

Threaded workers (gthread): a worker's main thread keeps answering the master's heartbeat
while its threads serve requests, so a long response (an export of millions of bars) is
never killed halfway by the worker timeout, and other requests (the health endpoints among
them) are served by the other threads meanwhile. The timeout still replaces a worker that
hangs as a whole.

Environment: HOST and PORT (where to listen; 127.0.0.1:8000), WEB_CONCURRENCY (workers,
2), GUNICORN_THREADS (threads a worker, 4), GUNICORN_TIMEOUT (seconds, 30), LOG_FORMAT
(json: access log lines as JSON objects, as the application's own logs),
SECURE_PROXY_SSL_HEADER and FORWARDED_ALLOW_IPS (below).
"""

import os
import time
from pathlib import Path

import environ

# The deployment's settings, read as qbsite/settings.py reads them (environment, then .env).
env = environ.Env()
environ.Env.read_env(Path(__file__).resolve().parent / ".env")

# Every line in Korea time (TIME_ZONE): the workers' Django sets TZ when it loads, but the
# master never loads the application and would log its own lines in the machine's UTC.
os.environ["TZ"] = os.environ.get("TIME_ZONE") or "Asia/Seoul"
time.tzset()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# No control socket: its default path is one per user account, which several servers on one
# machine (tests, benchmarks, `make run`) would fight over; signals do what it would.
control_socket_disable = True
if os.environ.get("LOG_FORMAT") == "json":
    access_log_format = (
        '{"time": "%(t)s", "remote": "%(h)s", "request": "%(r)s", "status": %(s)s, '
        '"bytes": "%(B)s", "ms": %(M)s}'
    )
# Whom gunicorn believes when a request says it came over HTTPS (X-Forwarded-Proto and the
# like, which make the request "secure"): the proxy that the same setting as Django's
# SECURE_PROXY_SSL_HEADER says is there, at FORWARDED_ALLOW_IPS (a proxy on this host by
# default); without a proxy, no one (gunicorn's own default believes any client on
# 127.0.0.1).
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")
else:
    forwarded_allow_ips = ""
