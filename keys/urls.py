from django.urls import path

from keys import views

urlpatterns = [
    path("admin/", views.home, name="portal-home"),
    path("admin/keys", views.integrations, name="integrations"),
    path("admin/keys/generate", views.generate_key, name="generate-key"),
    path("admin/keys/revoke", views.revoke_key, name="revoke-key"),
    path("admin/provisioning", views.provisioning, name="provisioning"),
]
