from typing import Any

from django.apps import AppConfig


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _unicode_lower_on_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Make SQLite's LOWER() fold every letter, as PostgreSQL's does.

    The built-in folds ASCII only, so on the default database "Émile" and "émile" would be
    two userNames and "ÉQUIPE" and "équipe" two departments. Every connection gets the same
    deterministic function, so the case-insensitive unique indexes stay consistent.
    """
    if connection.vendor == "sqlite":
        connection.connection.create_function("LOWER", 1, _lower, deterministic=True)


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models import CharField
        from django.db.models.functions import Lower

        # `user_name__lower=...` matches the case-insensitive unique indexes exactly.
        CharField.register_lookup(Lower)
        connection_created.connect(_unicode_lower_on_sqlite)
