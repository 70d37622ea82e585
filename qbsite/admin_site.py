"""The admin site of the back office: Django's admin plus pages of our own."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from qbsite import health


class QBAdminSite(admin.AdminSite):
    site_header = "QB back office"
    site_title = "QB back office"
    index_title = "Trading, market data and operations"

    def get_urls(self):
        return [
            path("health/", self.admin_view(self.health_view), name="health"),
            *super().get_urls(),
        ]

    def health_view(self, request):
        checks = health.run()
        return TemplateResponse(
            request,
            "admin/health.html",
            {
                **self.each_context(request),
                "title": "Health",
                "checks": checks,
                "status": health.overall(checks),
            },
        )
