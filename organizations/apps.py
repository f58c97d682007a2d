from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        from django.db.models import CharField
        from django.db.models.functions import Lower

        # `user_name__lower=...` matches the case-insensitive unique indexes exactly.
        CharField.register_lookup(Lower)
