"""Endpoints for orchestrators: no login, no details worth hiding."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from qbsite import health


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers. Touches no database."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Readiness: the database answers and every migration is applied."""
    ok, reason = health.ready()
    return JsonResponse(
        {"status": "ok" if ok else "error", "reason": reason}, status=200 if ok else 503
    )
