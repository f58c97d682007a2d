from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from preciate.views import healthz

admin.site.site_header = "Preciate support"
admin.site.site_title = "Preciate support"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal-home", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("web/", include("organizations.urls")),
    path("web/", include("keys.urls")),
    path("api/v1/", include("scim.urls")),
]
