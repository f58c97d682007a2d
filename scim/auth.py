"""Bearer-key authentication: the key identifies the organization (docs/protocol.md#the-key-identifies-the-organization), and wrong keys are throttled per address."""

import logging
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.cache import cache
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from keys.services import organization_for_key, organization_for_retired_key
from organizations.models import Organization
from preciate.limits import client_address

logger = logging.getLogger(__name__)

INVALID_KEY = (
    "The secret token is not a valid Preciate key: it may have been regenerated or revoked. "
    "Generate a key on Preciate's Integrations page, paste it into Entra's Secret Token field, "
    "click Test Connection, save, and restart provisioning if the job is quarantined."
)
TOO_MANY_FAILURES = (
    "Too many requests with an invalid secret token from this address. Wait for Retry-After, "
    "then send the current key from Preciate's Integrations page; a valid key is never throttled."
)
ENTRA_JWT = (
    "This is a token issued by Microsoft Entra ID (the Secret Token field was left blank). "
    "Paste the secret key from Preciate's Integrations page into Entra's Secret Token field."
)


@dataclass(frozen=True)
class RejectedKey:
    """A retired key's refusal, attributed to the organization the key belonged to."""

    organization: Organization
    hint: str


# Kept per request beside it rather than as an attribute DRF's Request does not declare; an
# entry goes with its request.
_REJECTED: WeakKeyDictionary[Request, RejectedKey] = WeakKeyDictionary()


def rejected_key(request: Request) -> RejectedKey | None:
    """The retired key this request was refused for, if authentication found one."""
    return _REJECTED.get(request)


def organization_of(request: Request) -> Organization:
    """The organization the request's key identified (``HasOrganization`` admits no other request)."""
    organization = request.auth
    if not isinstance(organization, Organization):
        raise AuthenticationFailed(INVALID_KEY)
    return organization


class BearerKeyAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Bearer <key>``; ``request.auth`` becomes the Organization."""

    def authenticate(self, request: Request) -> tuple[None, Organization] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: expected 'Bearer <key>'.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(INVALID_KEY) from None
        organization = organization_for_key(raw)
        if organization is None:
            # Attribute a rotated-away key's refusal to its organization, for the activity page.
            retired_for = organization_for_retired_key(raw)
            if retired_for is not None:
                _REJECTED[request] = RejectedKey(organization=retired_for, hint=raw[-4:])
            wait = count_failed_key(client_address(request))
            if wait is not None:
                raise Throttled(wait=wait, detail=TOO_MANY_FAILURES)
            if raw.startswith("eyJ"):
                raise AuthenticationFailed(ENTRA_JWT)
            raise AuthenticationFailed(INVALID_KEY)
        return (None, organization)

    def authenticate_header(self, request: Request) -> str:
        # Without this DRF would answer 403 instead of 401.
        return 'Bearer realm="Preciate SCIM"'


def count_failed_key(address: str) -> int | None:
    """Count a wrong key from ``address``; return the seconds to wait once over the limit, else None.

    A window of SCIM_AUTH_FAILURE_WINDOW seconds opens at an address's first failure; its
    failures are counted in the shared cache with an atomic increment (``add`` creates the
    counter with its expiry, ``incr`` counts), so every process and server sees one count.
    Only failures reach here: the key is checked first, so nobody's wrong keys can throttle
    a valid one.
    """
    window = settings.SCIM_AUTH_FAILURE_WINDOW
    now = int(time.time())
    opened = f"scim-auth-failures:{address}"
    try:
        cache.add(opened, now, timeout=window)
        start = cache.get(opened) or now
        counter = f"{opened}:{start}"
        cache.add(counter, 0, timeout=window)
        failures = cache.incr(counter)
    except ValueError:
        # The counter expired between add and incr: the window just closed.
        return None
    except Exception:
        # Without the cache nothing can be counted; the request is still refused with 401.
        logger.exception("Could not count a failed SCIM authentication")
        return None
    if failures > settings.SCIM_AUTH_FAILURE_LIMIT:
        return max(start + window - now, 1)
    return None


class HasOrganization(BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.auth, Organization)
