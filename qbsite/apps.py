from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


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


class LockoutsConfig(AxesAppConfig):
    """django-axes under a name that says what it is to the staff who see it."""

    verbose_name = _("Login lockouts")
