"""Response headers and failure pages for the whole site."""

import logging

from django.db import DataError, OperationalError, connections
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

log = logging.getLogger("qbsite.database")

# Views that answer JSON, so that their failures do too (view names as `reverse` takes them).
JSON_VIEWS = {"admin:marketdata_chart_data", "healthz", "readyz"}


def speaks_json(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in JSON_VIEWS:
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


# The admin uses style attributes, hence 'unsafe-inline' for styles only; no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """The policy and the frame ban on every response, the HTTPS redirect of Django's
    SecurityMiddleware (which answers before the rest of the stack runs) included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def _holds_nul(request) -> bool:
    parameters = [*request.GET.lists()]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        parameters += request.POST.lists()
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in parameters
    )


class BadInputMiddleware:
    """What a client sends that no page can take is the client's error (400), not ours (500):

    - a NUL character anywhere in the address or the form (PostgreSQL text cannot hold one);
    - a value in the address that the database refuses as out of range (a date filter at
      year 1 in Korea time, say). Only for GET with parameters: a page without them that
      fails that way is our fault and stays a server error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request):
            return HttpResponseBadRequest(
                _("Bad request: it holds a NUL character."), content_type="text/plain"
            )
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.method not in ("GET", "HEAD") or not request.GET:
            return None
        if not isinstance(exception, DataError | OverflowError):
            return None
        reason = _("A value in the address is out of range: %(what)s") % {
            "what": str(exception).strip().splitlines()[0]
        }
        if speaks_json(request):
            return JsonResponse({"error": reason}, status=400)
        return TemplateResponse(request, "400.html", {"reason": reason}, status=400).render()


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached gives a short 503 page, not a traceback; the next
    request connects again (CONN_HEALTH_CHECKS), so the site recovers by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        log.error("database unavailable: %s", str(exception).strip().splitlines()[0])
        for connection in connections.all():
            connection.close_if_unusable_or_obsolete()
        if speaks_json(request):
            response = JsonResponse({"error": _("The database is unavailable.")}, status=503)
        else:
            response = TemplateResponse(request, "503.html", status=503).render()
        response["Retry-After"] = "10"
        return response
