"""The Tenant URL: the base of the SCIM API that an IT admin pastes into Entra ID or Okta.

The Integrations page shows it, SCIM resources' ``meta.location`` and the discovery
documents are built on it, and ``seed_demo`` prints it, so all three read it here and
agree to the character: no trailing slash, whether it comes from ``SCIM_BASE_URL`` or
from the request.
"""

from typing import Protocol

from django.conf import settings

# Where preciate/urls.py mounts scim.urls ("api/v1/" + "scim").
SCIM_PATH = "/api/v1/scim"


class _Request(Protocol):
    """A Django HttpRequest, or DRF's Request, which forwards to one."""

    def build_absolute_uri(self, location: str | None = None) -> str: ...


def tenant_url_at(origin: str) -> str:
    """Return the Tenant URL served at ``origin`` (``https://host[:port]``), or ``SCIM_BASE_URL`` when set."""
    return settings.SCIM_BASE_URL.rstrip("/") or origin.rstrip("/") + SCIM_PATH


def tenant_url(request: _Request) -> str:
    """Return the Tenant URL for the host this request reached, or ``SCIM_BASE_URL`` when set."""
    return tenant_url_at(request.build_absolute_uri("/"))
