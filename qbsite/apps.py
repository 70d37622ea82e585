from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


def _roles(sender, **kwargs):
    from qbsite.roles import setup_roles

    setup_roles()


class QbsiteConfig(AppConfig):
    name = "qbsite"
    verbose_name = "QB back office"

    def ready(self):
        # qbsite comes last in INSTALLED_APPS: every permission exists by then.
        post_migrate.connect(_roles, sender=self, dispatch_uid="qbsite.roles")


class QBAdminConfig(AdminConfig):
    default_site = "qbsite.admin_site.QBAdminSite"
