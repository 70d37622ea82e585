from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class QbsiteConfig(AppConfig):
    name = "qbsite"
    verbose_name = "QB back office"


class QBAdminConfig(AdminConfig):
    default_site = "qbsite.admin_site.QBAdminSite"
