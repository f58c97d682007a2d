"""Django admin for logins: support manages staff logins, never a customer admin's.

A login linked to a member is a customer's portal login. Whoever could set its password,
change its username or flags, or delete it could sign in to the portal as that admin (or
lock them out) and mint the organization's SCIM key under their name. So, for everyone
including superusers, such a login is view-only here: Django's UserAdmin then answers 403
to its change form and to its password form (/admin/auth/user/<id>/password/). Portal
logins are created by organizations.services.create_admin.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest

from organizations.models import Member


def is_portal_login(user: User) -> bool:
    """Whether the login belongs to a member of an organization (removed or not)."""
    return Member.objects.filter(user=user).exists()


class SupportUserAdmin(UserAdmin):
    # UserAdmin's own columns, then the organization. Spelled out: the stubs type
    # UserAdmin.list_display per user model, so reading it off the class is ambiguous.
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "portal_login"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("member__organization")

    @admin.display(description="Portal admin of")
    def portal_login(self, obj: User) -> str:
        member = getattr(obj, "member", None)
        return member.organization.name if member else ""

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not is_portal_login(obj):
            return fieldsets
        # Not even the hash summary and its link to the password form.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and is_portal_login(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Deleting a portal login would unlink the member with no audit event.
        if obj is not None and is_portal_login(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The bulk delete does not ask has_delete_permission per login.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


admin.site.unregister(User)
admin.site.register(User, SupportUserAdmin)
