"""Bearer-key authentication: the key identifies the organization (product.md)."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from keys.services import organization_for_key, organization_for_retired_key
from organizations.models import Organization

INVALID_KEY = (
    "The secret token is not a valid Preciate key: it may have been regenerated or revoked. "
    "Generate a key on Preciate's Integrations page, paste it into Entra's Secret Token field, "
    "click Test Connection, save, and restart provisioning if the job is quarantined."
)
ENTRA_JWT = (
    "This is a token issued by Microsoft Entra ID (the Secret Token field was left blank). "
    "Paste the secret key from Preciate's Integrations page into Entra's Secret Token field."
)


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
            # Attribute a rotated-away key's 401 to its organization, for the activity page.
            request._rejected_organization = organization_for_retired_key(raw)
            if raw.startswith("eyJ"):
                raise AuthenticationFailed(ENTRA_JWT)
            raise AuthenticationFailed(INVALID_KEY)
        return (None, organization)

    def authenticate_header(self, request: Request) -> str:
        # Without this DRF would answer 403 instead of 401.
        return 'Bearer realm="Preciate SCIM"'


class HasOrganization(BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.auth, Organization)
