"""The Integrations page: the Tenant URL and the organization's SCIM secret key."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST, require_safe

from keys import services
from keys.models import ScimKey
from organizations.access import admin_required
from organizations.models import Member
from organizations.services import Actor


def tenant_url(request: HttpRequest) -> str:
    """Return the URL an admin pastes into Entra's Tenant URL field."""
    return settings.SCIM_BASE_URL or request.build_absolute_uri("/api/v1/scim")


def _render_page(request: HttpRequest, admin: Member, *, new_key: str = "") -> HttpResponse:
    organization = admin.organization
    return render(
        request,
        "keys/integrations.html",
        {
            "organization": organization,
            "scim_key": ScimKey.objects.filter(organization=organization).first(),
            "tenant_url": tenant_url(request),
            "new_key": new_key,
            "nav": "keys",
        },
    )


@require_safe
@never_cache
@admin_required
def integrations(request: HttpRequest, *, admin: Member) -> HttpResponse:
    return _render_page(request, admin)


# The plaintext key lives only in this view's response: it is rendered straight into it
# (never stored in the session or a message), the response is marked no-store, and every
# frame below this view is cleansed from error reports.
@sensitive_variables()
@require_POST
@never_cache
@admin_required
def generate_key(request: HttpRequest, *, admin: Member) -> HttpResponse:
    organization = admin.organization
    has_key = ScimKey.objects.filter(organization=organization, digest__isnull=False).exists()
    if has_key and request.POST.get("confirm") != "yes":
        return _render_confirmation(request, admin, action="generate")
    # Generate and render as one unit: if the page cannot be shown, the old key lives on.
    with transaction.atomic():
        key = services.regenerate_key(organization, by=Actor.admin(request.user))
        return _render_page(request, admin, new_key=key)


@require_POST
@never_cache
@admin_required
def revoke_key(request: HttpRequest, *, admin: Member) -> HttpResponse:
    organization = admin.organization
    scim_key = ScimKey.objects.filter(organization=organization, digest__isnull=False).first()
    if scim_key is None:
        messages.info(request, "There is no key to revoke.")
        return redirect("integrations")
    if request.POST.get("confirm") != "yes":
        return _render_confirmation(request, admin, action="revoke")
    services.revoke_key(organization, by=Actor.admin(request.user))
    messages.success(
        request,
        f"Key …{scim_key.hint} revoked. Entra's requests are refused until you generate a new key and paste it in.",
    )
    return redirect("integrations")


def _render_confirmation(request: HttpRequest, admin: Member, *, action: str) -> HttpResponse:
    """Ask before killing the current key: the no-JavaScript form of the page's dialog."""
    return render(
        request,
        "keys/confirm.html",
        {
            "organization": admin.organization,
            "scim_key": ScimKey.objects.get(organization=admin.organization),
            "action": action,
            "nav": "keys",
        },
    )
