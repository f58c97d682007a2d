"""Django admin for Preciate support staff: browse across customers, act through services."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from organizations import services
from organizations.models import Department, Event, Location, Member, MemberQuerySet, Organization, Team


def support_actor(request: HttpRequest) -> services.Actor:
    """The Preciate support login making a change through the Django admin.

    The admin site lets only signed-in staff in, so the user is never AnonymousUser here;
    the check tells the type checker so and refuses anything else rather than guess.
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return services.Actor.support(user)


class EstimatedCountPaginator(Paginator):
    """Skip the exact COUNT(*) over a million rows; show "many" pages instead."""

    @cached_property
    def count(self) -> int:
        # Count at most one page beyond the last shown, so the query stays bounded.
        limit = self.per_page * 50
        rows = self.object_list[: limit + 1]
        # The admin pages a QuerySet; fetching the primary keys alone keeps the rows small.
        assert isinstance(rows, QuerySet)
        return len(rows.values_list("pk", flat=True))


class BigTableAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "location_source", "created_at"]
    search_fields = ["name", "slug"]
    # The location source changes through set_location_source (an action), so it is audited.
    readonly_fields = ["location_source", "created_at"]
    actions = ["locations_from_office", "locations_from_city", "locations_from_country"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Organizations are created with `manage.py create_organization`, which also makes the admin.
        return False

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        # A rename goes through the service so the organization's trail credits support.
        services.update_organization(
            obj, by=support_actor(request), name=form.cleaned_data["name"], slug=form.cleaned_data["slug"]
        )

    def _set_location_source(self, request: HttpRequest, queryset: QuerySet, source: str) -> None:
        actor = support_actor(request)
        for organization in queryset:
            services.set_location_source(organization, source, by=actor)
        self.message_user(request, f"Location now comes from {source} for {queryset.count()} organizations.")

    @admin.action(
        description="Take people's location from the office (falling back to the city)", permissions=["change"]
    )
    def locations_from_office(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_location_source(request, queryset, Organization.LocationSource.OFFICE)

    @admin.action(description="Take people's location from the city", permissions=["change"])
    def locations_from_city(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_location_source(request, queryset, Organization.LocationSource.CITY)

    @admin.action(description="Take people's location from the country", permissions=["change"])
    def locations_from_country(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_location_source(request, queryset, Organization.LocationSource.COUNTRY)


@admin.register(Department)
class DepartmentAdmin(BigTableAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    readonly_fields = ["organization", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # Departments and locations are named by the IdP (or an admin) and created on first use;
    # a rename or delete here would bypass the services and the people's history.
    def has_change_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return False


@admin.register(Location)
class LocationAdmin(DepartmentAdmin):
    pass


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return Member.State.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        # Member's changelist, so the admin's queryset is Member.objects'.
        assert isinstance(queryset, MemberQuerySet)
        return queryset.in_state(value) if value in Member.State.values else queryset


@admin.register(Member)
class MemberAdmin(BigTableAdmin):
    list_display = [
        "user_name",
        "display_name",
        "email",
        "organization",
        "department",
        "location",
        "state",
        "managed_by_idp",
    ]
    list_filter = [
        "organization",
        StateFilter,
        "managed_by_idp",
        "is_admin",
    ]
    list_select_related = ["organization", "department", "location"]
    search_fields = ["user_name", "email", "display_name", "given_name", "family_name"]
    # Newest first walks the primary key; name order across every organization has no index
    # and sorted 350 MB on disk at 300k people (docs/performance.md).
    ordering = ["-id"]
    raw_id_fields = ["manager", "department", "location", "user"]
    # People are read-only for support: every field, the editable ones included.
    readonly_fields = [
        "organization",
        "scim_id",
        *services.EDITABLE_FIELDS,
        "manager_reference",
        "idp_active",
        "managed_by_idp",
        "admin_removed_at",
        "admin_removed_by",
        "scim_deleted_at",
        "scim_data",
        "user",
        "is_admin",
        "created_at",
        "updated_at",
    ]
    actions = ["remove_selected", "restore_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Member | None = None) -> bool:
        # A person's page is view-only: saving it would write (and move the SCIM ETag) with no
        # audit event, and its login and admin flag would attach a login to a customer's
        # organization. Support changes people through the actions, which call the services.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Member | None = None) -> bool:
        # People are removed, never erased: history and the IdP's link must survive.
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        # The portal directory's search (MemberQuerySet.search): indexed, so it stays fast
        # across every organization's people; a contains-search here scanned them all.
        if not search_term.strip():
            return queryset, False
        assert isinstance(queryset, MemberQuerySet)  # get_queryset() is Member.objects'
        return queryset.search(search_term), False

    @admin.display(description="State")
    def state(self, obj: Member) -> str:
        return obj.state.label

    @admin.action(description="Remove selected people from their organization", permissions=["change"])
    def remove_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = support_actor(request)
        count = 0
        for member in queryset.select_related("organization"):
            if member.admin_removed_at is None:
                services.remove_member(member, by=actor)
                count += 1
        self.message_user(request, f"Removed {count} people.", messages.SUCCESS)

    @admin.action(description="Restore selected people", permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = support_actor(request)
        count = 0
        for member in queryset.select_related("organization"):
            if member.admin_removed_at is not None:
                services.restore_member(member, by=actor)
                count += 1
        self.message_user(request, f"Restored {count} people.", messages.SUCCESS)


ACTIVE_MEMBERS_SHOWN = 25


@admin.register(Team)
class TeamAdmin(BigTableAdmin):
    """Teams are read-only for support: the IdP and the customer's admins change them, audited."""

    list_display = ["name", "organization", "managed_by_idp", "retired_at", "created_at"]
    list_filter = ["organization", "managed_by_idp", ("retired_at", admin.EmptyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["name", "=external_id"]
    ordering = ["-id"]
    readonly_fields = (
        "organization",
        "name",
        "scim_id",
        "external_id",
        "managed_by_idp",
        "retired_at",
        "active_members",
        "scim_data",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        # A save here would bypass organizations/teams.py: no event, and the IdP's group and
        # the team would drift apart.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        # A team is retired with its history, never erased.
        return False

    @admin.display(description="Active members")
    def active_members(self, obj: Team) -> str:
        # Bounded whatever the team's size: one count and the first few names.
        present = Member.objects.filter(organization=obj.organization_id, team_memberships__team=obj).present()
        names = [str(m) for m in present.order_by("family_name", "given_name", "id")[:ACTIVE_MEMBERS_SHOWN]]
        count = present.count()
        more = f", and {count - len(names)} more" if count > len(names) else ""
        return f"{count}: {', '.join(names)}{more}" if count else "none"


@admin.register(Event)
class EventAdmin(BigTableAdmin):
    list_display = [
        "created_at",
        "organization",
        "action",
        "user_name",
        "status",
        "actor_kind",
        "actor_label",
        "summary",
    ]
    list_filter = ["organization", "actor_kind", "action"]
    list_select_related = ["organization"]
    search_fields = ["user_name", "summary"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


# The auth User admin, closed for customers' portal logins.
from organizations import user_admin  # noqa: E402, F401
