"""An organization's audit trail as the activity page lists it, and the entry a test expects.

Assert a whole entry (who, what, the summary an admin reads, the recorded changes) against
``entry(...)`` rather than one field at a time, so a wrong actor or a missing change shows
in one diff.
"""

from typing import Any

from organizations.models import Event, Organization
from organizations.services import Actor

FIELDS = ("action", "actor_kind", "actor_user", "actor_label", "user_name", "status", "summary", "changes")


def trail(organization: Organization, **filters: Any) -> list[dict[str, Any]]:
    """The organization's events matching ``filters``, oldest first."""
    events = Event.objects.filter(organization=organization, **filters).order_by("created_at", "id")
    return list(events.values(*FIELDS))


def entry(
    action: str,
    *,
    by: Actor,
    summary: str,
    user_name: str = "",
    status: int | None = None,
    changes: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The event ``by`` leaves when it does ``action``, as ``trail`` reads it back."""
    return {
        "action": action,
        "actor_kind": by.kind,
        "actor_user": by.user.pk if by.user is not None else None,
        "actor_label": by.label,
        "user_name": user_name,
        "status": status,
        "summary": summary,
        "changes": changes or {},
    }
