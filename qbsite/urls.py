from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]

admin.site.site_header = "QB back office"
admin.site.site_title = "QB back office"
admin.site.index_title = "Trading, market data and operations"
