"""Django admin for SCIM keys: metadata and revoke only. Support never reads or mints a key."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from keys import services
from keys.models import ScimKey
from organizations.admin import support_actor

# Everything support may see. The digests are secret-equivalent and are never shown.
# A tuple, which every ModelAdmin option below accepts as it stands.
VISIBLE_FIELDS = (
    "organization",
    "key",
    "state",
    "issued_at",
    "issued_by_label",
    "revoked_at",
    "last_used_at",
    "last_status",
)


@admin.register(ScimKey)
class ScimKeyAdmin(admin.ModelAdmin):
    list_display = VISIBLE_FIELDS
    list_select_related = ["organization"]
    list_filter = ["last_status"]
    search_fields = ["organization__name", "organization__slug"]
    fields = VISIBLE_FIELDS
    readonly_fields = VISIBLE_FIELDS
    exclude = ["digest", "previous_digest"]
    actions = ["revoke_selected"]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # Django admin admits URL filters on any local field; ?digest__startswith= would let
        # support read a digest one character at a time.
        if lookup.split("__")[0] in ("digest", "previous_digest"):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ScimKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ScimKey | None = None) -> bool:
        # Deleting the row would bypass revoke_key and its audit event.
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("keys.change_scimkey")

    @admin.display(description="Key")
    def key(self, obj: ScimKey) -> str:
        return f"prc_…{obj.hint}"

    @admin.display(description="State")
    def state(self, obj: ScimKey) -> str:
        return "active" if obj.is_active else "revoked"

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = support_actor(request)
        revoked = 0
        for scim_key in queryset.select_related("organization"):
            if services.revoke_key(scim_key.organization, by=actor):
                revoked += 1
        self.message_user(request, f"Revoked {revoked} keys.", messages.SUCCESS)
