"""Who may use the admin portal: an admin of an organization who is still part of it."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from organizations.models import Member


def portal_admin(user: Any) -> Member | None:
    """The admin membership of a signed-in user, or None when they may not use the portal."""
    if not user.is_authenticated:
        return None
    member = Member.objects.select_related("organization").filter(user=user, is_admin=True).present().first()
    return member


class PortalRequest(HttpRequest):
    """A request that ``admin_required`` let through: ``admin`` is the signed-in admin's membership.

    The one place a portal view and the page shell (base.html) read who is signed in and
    so the tenant, ``request.admin.organization``, as SCIM views read theirs from
    ``request.auth``.
    """

    # Signed in, so never AnonymousUser: what Actor.admin takes.
    user: User
    admin: Member


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the signed-in admin once, as ``request.admin``.

    A user who is no longer an admin of a present membership is signed out at once; so is
    a Preciate support login, which has no membership. Every portal page shows people's
    personal data, so neither a shared cache nor the browser's disk may keep the answer.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        admin = portal_admin(request.user)
        if admin is None:
            logout(request)
            messages.error(request, "Your access to this organization's admin portal has ended.")
            return redirect_to_login(request.get_full_path())
        # The checks above are what make the request a PortalRequest; the line after the
        # cast sets the one attribute it adds.
        portal_request = cast(PortalRequest, request)
        portal_request.admin = admin
        response = view(portal_request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper
