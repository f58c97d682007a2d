from typing import Any

from django.apps import AppConfig


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _unicode_case_on_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Make SQLite's LOWER() and UPPER() fold every letter, as PostgreSQL's do.

    The built-ins fold ASCII only, so on the default database "Émile" and "émile" would be
    two userNames and "ÉQUIPE" and "équipe" two departments. Every connection gets the same
    deterministic functions, so the case-insensitive unique indexes stay consistent; the
    ``__ci`` lookups (organizations/lookups.py) fold both sides of a comparison through them.
    """
    if connection.vendor == "sqlite":
        connection.connection.create_function("LOWER", 1, _lower, deterministic=True)
        connection.connection.create_function("UPPER", 1, _upper, deterministic=True)


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models import CharField
        from django.db.models.functions import Lower

        from organizations.lookups import LOOKUPS

        # `user_name__lower` is the expression the case-insensitive indexes are built on
        # (ordering comparisons in SCIM filters use it); `user_name__ci=...` and friends are
        # how text is matched case-insensitively.
        CharField.register_lookup(Lower)
        for lookup in LOOKUPS:
            CharField.register_lookup(lookup)
        connection_created.connect(_unicode_case_on_sqlite)
