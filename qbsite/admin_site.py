"""The admin site of the back office: Django's admin plus pages of our own (dashboard,
health, market data views), each behind staff login and its own permission."""

from functools import partial

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from qbsite import dashboard, health


def market_pages() -> list[tuple]:
    """(url, name, title, view, permission) of the market pages. Imported when the site
    builds its URLs: the pages' modules register admin classes, which needs this site."""
    from marketdata.admin import views as admin_views
    from qbsite import market_chart

    return [
        # (url, name, title, view, permission)
        (
            "marketdata/bars/",
            "marketdata_browser",
            _("Bars"),
            admin_views.browser,
            admin_views.VIEW,
        ),
        (
            "marketdata/bars/export/",
            "marketdata_export",
            None,
            admin_views.export,
            admin_views.VIEW,
        ),
        (
            "marketdata/chart/",
            "marketdata_chart",
            _("Chart"),
            market_chart.chart_page,
            admin_views.VIEW,
        ),
        (
            "marketdata/chart/data/",
            "marketdata_chart_data",
            None,
            market_chart.chart_data,
            admin_views.VIEW,
        ),
        (
            "marketdata/coverage/",
            "marketdata_coverage",
            _("Coverage"),
            admin_views.coverage_page,
            admin_views.VIEW,
        ),
        (
            "marketdata/delete/",
            "marketdata_delete",
            _("Delete a range"),
            admin_views.delete_range,
            admin_views.DELETE,
        ),
        (
            "marketdata/hypertable/",
            "marketdata_hypertable",
            _("Hypertable"),
            admin_views.hypertable_panel,
            admin_views.VIEW,
        ),
    ]


# The index in the order of the desk's day: its sections first, each in the order of use;
# sign-in and lockout administration last; any other section keeps its place between.
FIRST, LAST = ["trading", "marketdata"], ["auth", "axes"]
ENTRIES = {
    "trading": [
        "Trade",
        "Position",
        "StrategyPerformance",
        "RiskMetric",
        "ReconciliationRun",
        "SystemLog",
        "Account",
        "CommissionSchedule",
    ],
    "marketdata": [
        "marketdata_chart",
        "marketdata_browser",
        "marketdata_coverage",
        "StockMetadata",
        "marketdata_hypertable",
        "marketdata_delete",
    ],
}


def _rank(names: list[str], name: str) -> int:
    return names.index(name) if name in names else len(names)


def _section(label: str) -> int:
    if label in FIRST:
        return FIRST.index(label)
    if label in LAST:
        return len(FIRST) + 1 + LAST.index(label)
    return len(FIRST)


def ordered(apps: list[dict]) -> list[dict]:
    for app in apps:
        names = ENTRIES.get(app["app_label"], [])
        app["models"].sort(key=lambda m: _rank(names, m["object_name"]))
    return sorted(apps, key=lambda a: _section(a["app_label"]))


class QBAdminSite(admin.AdminSite):
    site_header = _("QB back office")
    site_title = _("QB back office")
    index_title = _("Trading, market data and operations")
    index_template = "admin/qb_index.html"

    def get_urls(self):
        pages = [
            path(url, self.admin_view(partial(view, self)), name=name)
            for url, name, _title, view, _perm in market_pages()
        ]
        return [
            path("health/", self.admin_view(self.health_view), name="health"),
            *pages,
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        pages = [
            {
                "name": title,
                "object_name": name,
                "admin_url": reverse(f"admin:{name}"),
                "add_url": None,
                "view_only": True,
                "perms": {"view": True},
            }
            for _url, name, title, _view, permission in market_pages()
            if title and request.user.has_perm(permission)
        ]
        if pages and app_label in (None, "marketdata"):
            market = next((a for a in apps if a["app_label"] == "marketdata"), None)
            if market is None:
                market = {
                    "name": _("Market data"),
                    "app_label": "marketdata",
                    "app_url": reverse("admin:marketdata_browser"),
                    "has_module_perms": True,
                    "models": [],
                }
                apps.append(market)
            market["models"] = pages + market["models"]
        return ordered(apps)

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard": dashboard.figures(request.user)}
        return super().index(request, extra_context)

    def health_view(self, request):
        checks = health.run()
        return TemplateResponse(
            request,
            "admin/health.html",
            {
                **self.each_context(request),
                "title": _("Health"),
                "checks": checks,
                "status": health.overall(checks),
                "status_label": health.STATUS_LABELS[health.overall(checks)],
            },
        )
