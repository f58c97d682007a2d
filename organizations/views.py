"""The admin portal's pages for an organization's admins: sign-in, people, headcount reports.

The pages that read the SCIM key (home, Integrations, Provisioning) are keys/views.py.
``admin_required`` resolves the signed-in admin once, as ``request.admin``; the tenant is
``request.admin.organization`` and every query below is filtered by it. Writes go through
``organizations.services`` as ``Actor.admin(request.user)``.
"""

import csv
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.forms import Form
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from organizations import charts, reports, services
from organizations.access import PortalRequest, admin_required, portal_admin
from organizations.forms import LoginForm, MemberForm, PeopleFilterForm, TeamForm, TeamMemberForm, TeamSearchForm
from organizations.models import PRESENT, Department, Event, Location, Member, Organization, Team
from organizations.services import Actor
from organizations.teams import (
    TeamNameTaken,
    add_team_members,
    create_team,
    remove_team_members,
    retire_team,
    update_team,
)

PEOPLE_PER_PAGE = 50
HISTORY_LIMIT = 100
PERSON_TEAMS_SHOWN = 200
# One page of the directory is all a bulk removal can select; this only bounds the POST.
BULK_LIMIT = 500

Row = TypeVar("Row", bound=Model)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        if portal_admin(form.get_user()) is None:
            form.add_error(None, "This login is not an admin of an active Preciate organization.")
            return self.form_invalid(form)
        return super().form_valid(form)


# -- People directory ----------------------------------------------------------------


def _parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _beyond(order: tuple[str, ...], values: tuple[Any, ...], comparison: str) -> Q:
    """Rows after (``gt``) or before (``lt``) ``values`` in the lexicographic ``order``."""
    condition = Q()
    for index, name in enumerate(order):
        equal = dict(zip(order[:index], values[:index], strict=True))
        condition |= Q(**equal, **{f"{name}__{comparison}": values[index]})
    return condition


def _keyset_page(
    rows: QuerySet[Row], cursors: QuerySet[Row], params: Any, order: tuple[str, ...]
) -> tuple[list[Row], bool, bool]:
    """One page by keyset: (rows, has_previous, has_next).

    The cursor is the scim_id of the row the page continues from (looked up in
    ``cursors``, the tenant's rows), so page 2,000 costs what page 1 costs; nothing counts
    the whole list. ``order`` ends in a unique column, and an index on it (after the
    organization) serves each page.
    """
    after, before = _parse_uuid(params.get("after")), _parse_uuid(params.get("before"))
    cursor_id = after or before
    cursor = cursors.filter(scim_id=cursor_id).values_list(*order).first() if cursor_id is not None else None
    if cursor is None:
        page = list(rows.order_by(*order)[: PEOPLE_PER_PAGE + 1])
        return page[:PEOPLE_PER_PAGE], False, len(page) > PEOPLE_PER_PAGE
    first = order[0]
    if before:
        # The redundant bound lets PostgreSQL start the index scan at the cursor.
        page = list(
            rows.filter(**{f"{first}__lte": cursor[0]})
            .filter(_beyond(order, cursor, "lt"))
            .order_by(*(f"-{name}" for name in order))[: PEOPLE_PER_PAGE + 1]
        )
        return page[:PEOPLE_PER_PAGE][::-1], len(page) > PEOPLE_PER_PAGE, True
    page = list(
        rows.filter(**{f"{first}__gte": cursor[0]})
        .filter(_beyond(order, cursor, "gt"))
        .order_by(*order)[: PEOPLE_PER_PAGE + 1]
    )
    return page[:PEOPLE_PER_PAGE], True, len(page) > PEOPLE_PER_PAGE


# The directory's order (the member_org_name index).
MEMBER_ORDER = ("family_name", "given_name", "id")


def _pager(params: Any, rows: list[Any], has_previous: bool, has_next: bool) -> dict[str, Any]:
    """The links under a keyset-paged list, for the page's template."""
    return {
        "previous_url": query_with(params, before=rows[0].scim_id) if has_previous and rows else "",
        "next_url": query_with(params, after=rows[-1].scim_id) if has_next and rows else "",
        "first_url": query_with(params) or "?",
        "paged": bool(params.get("after") or params.get("before")),
    }


def query_with(params: Any, **changes: Any) -> str:
    query = params.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    for key, value in changes.items():
        query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


@admin_required
def people(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    form = PeopleFilterForm(request.GET, organization=organization)
    members = form.apply(Member.objects.filter(organization=organization)).select_related(
        "department", "location", "manager"
    )
    rows, has_previous, has_next = _keyset_page(
        members, Member.objects.filter(organization=organization), request.GET, MEMBER_ORDER
    )
    return render(
        request,
        "organizations/people.html",
        {
            "nav": "people",
            "organization": organization,
            "form": form,
            "people": rows,
            "filtered": form.active_filters,
            **_pager(request.GET, rows, has_previous, has_next),
            "here": request.get_full_path(),
        },
    )


def _people_url(value: str | None) -> str:
    """Where to go back to after a bulk action: a people page of this site, else the directory."""
    default = reverse("people")
    if value and value.startswith(default) and url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return value
    return default


@admin_required
@require_POST
def people_remove(request: PortalRequest) -> HttpResponse:
    """Bulk removal: the first POST asks for confirmation, the confirmed POST removes."""
    organization = request.admin.organization
    back = _people_url(request.POST.get("next"))
    ids = [i for i in (_parse_uuid(v) for v in request.POST.getlist("people")[:BULK_LIMIT]) if i]
    if not ids:
        messages.warning(request, "Select the people to remove first.")
        return redirect(back)
    selected = list(
        Member.objects.filter(organization=organization, scim_id__in=ids).select_related("department", "location")
    )
    to_remove = [m for m in selected if m.pk != request.admin.pk and m.admin_removed_at is None]
    skipped = [m for m in selected if m not in to_remove]
    if request.POST.get("confirm") == "yes" and to_remove:
        removed = services.remove_members(organization, to_remove, by=Actor.admin(request.user))
        messages.success(
            request,
            f"Removed {removed} {'person' if removed == 1 else 'people'} from {organization.name}. "
            "Later syncs keep them removed until an admin restores them.",
        )
        return redirect(back)
    return render(
        request,
        "organizations/people_remove.html",
        {"nav": "people", "to_remove": to_remove, "skipped": skipped, "back": back},
    )


# -- A person --------------------------------------------------------------------------


def _person_or_404(organization: Organization, scim_id: uuid.UUID) -> Member:
    members = Member.objects.select_related("department", "location", "manager", "admin_removed_by")
    member = get_object_or_404(members, organization=organization, scim_id=scim_id)
    # The tenant already loaded: the page names it without another query.
    member.organization = organization
    return member


def _add_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the field it names when there is one."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _name_options(organization: Organization) -> dict[str, list[str]]:
    return {
        "department_names": list(
            Department.objects.filter(organization=organization).order_by("name").values_list("name", flat=True)[:500]
        ),
        "location_names": list(
            Location.objects.filter(organization=organization).order_by("name").values_list("name", flat=True)[:500]
        ),
    }


@admin_required
def person(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    organization = request.admin.organization
    member = _person_or_404(organization, scim_id)
    form = MemberForm(request.POST if request.method == "POST" else None, organization=organization, member=member)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            services.update_member(member, by=Actor.admin(request.user), **changes)
        except ValidationError as error:
            _add_errors(form, error)
            # The service may have set fields on this instance before refusing.
            member = _person_or_404(organization, scim_id)
        else:
            if changes:
                messages.success(request, f"Saved {member}.")
            else:
                messages.info(request, "Nothing to save: no field changed.")
            return redirect("person", scim_id=member.scim_id)
    history = list(
        Event.objects.filter(organization=organization, member=member).order_by("-created_at", "-id")[
            : HISTORY_LIMIT + 1
        ]
    )
    for event in history:
        event.label = reports.action_label(event.action)
    member_teams = Team.objects.current().filter(organization=organization, memberships__member=member)
    return render(
        request,
        "organizations/person.html",
        {
            "nav": "people",
            "member": member,
            "form": form,
            "history": history[:HISTORY_LIMIT],
            "history_truncated": len(history) > HISTORY_LIMIT,
            "is_self": member.pk == request.admin.pk,
            "teams": list(member_teams.order_by("name", "id")[:PERSON_TEAMS_SHOWN]),
            "retention_days": settings.EVENT_RETENTION_DAYS,
            **_name_options(organization),
        },
    )


@admin_required
def person_new(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    form = MemberForm(request.POST if request.method == "POST" else None, organization=organization)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        user_name = values.pop("user_name")
        try:
            member = services.create_member(organization, by=Actor.admin(request.user), user_name=user_name, **values)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Added {member} to {organization.name}.")
            return redirect("person", scim_id=member.scim_id)
    return render(
        request,
        "organizations/person_new.html",
        {"nav": "people", "form": form, **_name_options(organization)},
    )


@admin_required
def person_remove(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    organization = request.admin.organization
    member = _person_or_404(organization, scim_id)
    if member.pk == request.admin.pk:
        messages.error(request, "You cannot remove yourself: ask another admin of your organization.")
        return redirect("person", scim_id=member.scim_id)
    if member.admin_removed_at is not None:
        messages.info(request, f"{member} is already removed.")
        return redirect("person", scim_id=member.scim_id)
    if request.method == "POST":
        services.remove_member(member, by=Actor.admin(request.user))
        messages.success(
            request, f"Removed {member} from {organization.name}. Later syncs keep them removed until you restore them."
        )
        return redirect("person", scim_id=member.scim_id)
    return render(request, "organizations/person_confirm.html", {"nav": "people", "member": member, "verb": "remove"})


@admin_required
def person_restore(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    organization = request.admin.organization
    member = _person_or_404(organization, scim_id)
    if member.admin_removed_at is None:
        messages.info(request, f"{member} was not removed by an admin: there is nothing to restore.")
        return redirect("person", scim_id=member.scim_id)
    if request.method == "POST":
        services.restore_member(member, by=Actor.admin(request.user))
        if member.is_present:
            messages.success(request, f"Restored {member} to {organization.name}.")
        else:
            messages.warning(
                request,
                f"Lifted your removal of {member}, but the identity provider has them inactive or deleted: "
                "they stay out of the organization until it reactivates them.",
            )
        return redirect("person", scim_id=member.scim_id)
    return render(request, "organizations/person_confirm.html", {"nav": "people", "member": member, "verb": "restore"})


# -- Teams -------------------------------------------------------------------------------

TEAM_ORDER = ("name", "id")
# Removed people stay on a team's record; the team page lists the latest few of them.
REMOVED_SHOWN = 20


def _team_or_404(organization: Organization, scim_id: uuid.UUID) -> Team:
    team = get_object_or_404(Team, organization=organization, scim_id=scim_id)
    team.organization = organization
    return team


@admin_required
def teams(request: PortalRequest) -> HttpResponse:
    """The organization's current teams; a POST creates a team of the admin's own."""
    organization = request.admin.organization
    form = TeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            team = create_team(organization, by=Actor.admin(request.user), name=form.cleaned_data["name"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Created the team {team.name}. Add its members below.")
            return redirect("team", scim_id=team.scim_id)
    search = TeamSearchForm(request.GET)
    listed = Team.objects.current().filter(organization=organization)
    if text := search.search():
        listed = listed.filter(name__ci_contains=text)
    rows, has_previous, has_next = _keyset_page(
        listed, Team.objects.filter(organization=organization), request.GET, TEAM_ORDER
    )
    counts = reports.team_active_counts(organization, rows)
    return render(
        request,
        "organizations/teams.html",
        {
            "nav": "teams",
            "organization": organization,
            "search": search,
            "form": form,
            "teams": [(team, counts.get(team.pk, 0)) for team in rows],
            "filtered": bool(text),
            **_pager(request.GET, rows, has_previous, has_next),
        },
    )


def _idp_label(team: Team) -> str:
    """The identity provider as the team's events record it ("Microsoft Entra ID", "Okta")."""
    label = (
        Event.objects.filter(team=team, actor_kind=Event.ActorKind.IDP)
        .exclude(actor_label="")
        .order_by("-created_at", "-id")
        .values_list("actor_label", flat=True)
        .first()
    )
    return label or "your identity provider"


def _render_team(
    request: PortalRequest,
    team: Team,
    *,
    rename_form: TeamForm | None = None,
    add_form: TeamMemberForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = request.admin.organization
    on_record = Member.objects.filter(organization=organization, team_memberships__team=team)
    active = on_record.present().select_related("department", "location")
    rows, has_previous, has_next = _keyset_page(
        active, Member.objects.filter(organization=organization), request.GET, MEMBER_ORDER
    )
    removed = on_record.exclude(PRESENT)
    history = list(
        Event.objects.filter(organization=organization, team=team)
        .select_related("member")
        .order_by("-created_at", "-id")[: HISTORY_LIMIT + 1]
    )
    for event in history:
        event.label = reports.action_label(event.action)
    editable = not team.managed_by_idp and team.retired_at is None
    return render(
        request,
        "organizations/team.html",
        {
            "nav": "teams",
            "team": team,
            "members": rows,
            "active_count": active.count(),
            "removed": list(removed.order_by("-updated_at", "-id")[:REMOVED_SHOWN]),
            "removed_count": removed.count(),
            **_pager(request.GET, rows, has_previous, has_next),
            "history": history[:HISTORY_LIMIT],
            "history_truncated": len(history) > HISTORY_LIMIT,
            "retention_days": settings.EVENT_RETENTION_DAYS,
            "idp_label": _idp_label(team) if team.managed_by_idp else "",
            "editable": editable,
            "rename_form": rename_form or TeamForm(initial={"name": team.name}),
            "add_form": add_form or TeamMemberForm(organization=organization),
        },
        status=status,
    )


@admin_required
def team(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    return _render_team(request, _team_or_404(request.admin.organization, scim_id))


def _refused(request: PortalRequest, team: Team, error: ValidationError) -> HttpResponse:
    """A write the team's rules refuse (IdP-managed, retired): say why on the team page."""
    messages.error(request, " ".join(error.messages))
    return redirect("team", scim_id=team.scim_id)


@admin_required
@require_POST
def team_rename(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    team = _team_or_404(request.admin.organization, scim_id)
    old_name = team.name
    form = TeamForm(request.POST)
    if not form.is_valid():
        return _render_team(request, team, rename_form=form, status=400)
    try:
        update_team(team, by=Actor.admin(request.user), name=form.cleaned_data["name"])
    except TeamNameTaken as error:
        _add_errors(form, error)
        team.name = old_name
        return _render_team(request, team, rename_form=form, status=400)
    except ValidationError as error:
        return _refused(request, team, error)
    if team.name != old_name:
        messages.success(request, f"Renamed {old_name} to {team.name}.")
    return redirect("team", scim_id=team.scim_id)


def _change_members(
    request: PortalRequest,
    team: Team,
    write: Callable[..., list[Member]],
    member: Member,
    *,
    done: str,
    unchanged: str,
) -> HttpResponse:
    """Add or take out one person through ``write`` (organizations/teams.py), and say what happened."""
    try:
        changed = write(team, [member], by=Actor.admin(request.user))
    except ValidationError as error:
        return _refused(request, team, error)
    if changed:
        messages.success(request, done)
    else:
        messages.info(request, unchanged)
    return redirect("team", scim_id=team.scim_id)


@admin_required
@require_POST
def team_add_member(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    organization = request.admin.organization
    team = _team_or_404(organization, scim_id)
    form = TeamMemberForm(request.POST, organization=organization)
    if not form.is_valid():
        return _render_team(request, team, add_form=form, status=400)
    member = form.cleaned_data["person"]
    return _change_members(
        request,
        team,
        add_team_members,
        member,
        done=f"Added {member} to {team.name}.",
        unchanged=f"{member} is already in {team.name}.",
    )


@admin_required
@require_POST
def team_remove_member(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    organization = request.admin.organization
    team = _team_or_404(organization, scim_id)
    member_id = _parse_uuid(request.POST.get("member"))
    member = get_object_or_404(Member, organization=organization, scim_id=member_id) if member_id else None
    if member is None:
        return HttpResponseBadRequest("Name the person to take out of the team.")
    return _change_members(
        request,
        team,
        remove_team_members,
        member,
        done=f"Took {member} out of {team.name}.",
        unchanged=f"{member} was not in {team.name}.",
    )


@admin_required
def team_retire(request: PortalRequest, scim_id: uuid.UUID) -> HttpResponse:
    """Ask first, on a page of its own; the confirmed POST retires the team."""
    team = _team_or_404(request.admin.organization, scim_id)
    if request.method == "POST":
        try:
            retire_team(team, by=Actor.admin(request.user))
        except ValidationError as error:
            return _refused(request, team, error)
        messages.success(request, f"Retired {team.name}. Its history is kept; the name is free for a new team.")
        return redirect("team", scim_id=team.scim_id)
    if team.managed_by_idp or team.retired_at is not None:
        return redirect("team", scim_id=team.scim_id)
    return render(request, "organizations/team_retire.html", {"nav": "teams", "team": team})


# -- Headcount reports ------------------------------------------------------------------


@admin_required
def headcount_report(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    counts = reports.headcounts(organization)
    by_department, by_location = counts["department"], counts["location"]
    crosstab = reports.crosstab(counts["department_location"])
    by_team = reports.team_headcounts(organization)
    return render(
        request,
        "organizations/reports.html",
        {
            "nav": "reports",
            "organization": organization,
            "total": sum(row.count for row in by_department),
            "by_department": by_department,
            "by_location": by_location,
            "department_chart": charts.bar_chart(by_department),
            "location_chart": charts.bar_chart(by_location),
            "crosstab": crosstab,
            "by_team": by_team,
            "team_chart": charts.bar_chart(by_team),
        },
    )


CSV_HEADERS = {
    "department": ["department", "headcount"],
    "location": ["location", "headcount"],
    "department_location": ["department", "location", "headcount"],
    "team": ["team", "headcount"],
}


def _csv_cell(value: str) -> str:
    """Keep spreadsheet programs from running a name that starts like a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@admin_required
def headcount_csv(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    by = request.GET.get("by", "department")
    if by not in reports.HEADCOUNT_BY:
        return HttpResponseBadRequest(f"by must be one of: {', '.join(reports.HEADCOUNT_BY)}.")
    rows = reports.team_headcounts(organization) if by == "team" else reports.headcounts(organization)[by]
    filename = f"{organization.slug}-headcount-by-{by.replace('_', '-')}-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADERS[by])
    for row in rows:
        labels = [row.label, row.second_label] if by == "department_location" else [row.label]
        writer.writerow([*(_csv_cell(label) for label in labels), row.count])
    return response
