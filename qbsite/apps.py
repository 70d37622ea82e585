from django.apps import AppConfig


class QbsiteConfig(AppConfig):
    name = "qbsite"
    verbose_name = "QB back office"
