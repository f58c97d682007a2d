"""The portal pages that show the organization's SCIM key and how the IdP is using it.

The Integrations page (the Tenant URL, generate or revoke the key), the home page and
the Provisioning page (both show integration health, keys/health.py). They live with
the key because they read it; the people, reports and the rest of the portal are
organizations/views.py. As there, the tenant is ``request.admin.organization``.
"""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST, require_safe

from keys import services
from keys.health import integration_health
from keys.models import ScimKey
from keys.tenant_url import tenant_url
from organizations import charts, reports
from organizations.access import PortalRequest, admin_required
from organizations.forms import RANGE_CHOICES, ActivityFilterForm
from organizations.models import Event, Member
from organizations.services import Actor
from organizations.views import query_with

EVENTS_PER_PAGE = 50
# People waiting for a manager listed on the Provisioning page; each person page says the rest.
WAITING_SHOWN = 10


def _render_page(request: PortalRequest, *, new_key: str = "") -> HttpResponse:
    organization = request.admin.organization
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
def integrations(request: PortalRequest) -> HttpResponse:
    return _render_page(request)


# The plaintext key lives only in this view's response: it is rendered straight into it
# (never stored in the session or a message), the response is marked no-store, and every
# frame below this view is cleansed from error reports.
@sensitive_variables()
@require_POST
@never_cache
@admin_required
def generate_key(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    has_key = ScimKey.objects.filter(organization=organization, digest__isnull=False).exists()
    if has_key and request.POST.get("confirm") != "yes":
        return _render_confirmation(request, action="generate")
    # Generate and render as one unit: if the page cannot be shown, the old key lives on.
    with transaction.atomic():
        key = services.regenerate_key(organization, by=Actor.admin(request.user))
        return _render_page(request, new_key=key)


@require_POST
@never_cache
@admin_required
def revoke_key(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    scim_key = ScimKey.objects.filter(organization=organization, digest__isnull=False).first()
    if scim_key is None:
        messages.info(request, "There is no key to revoke.")
        return redirect("integrations")
    if request.POST.get("confirm") != "yes":
        return _render_confirmation(request, action="revoke")
    services.revoke_key(organization, by=Actor.admin(request.user))
    messages.success(
        request,
        f"Key …{scim_key.hint} revoked. Entra's requests are refused until you generate a new key and paste it in.",
    )
    return redirect("integrations")


def _render_confirmation(request: PortalRequest, *, action: str) -> HttpResponse:
    """Ask before killing the current key: the no-JavaScript form of the page's dialog."""
    return render(
        request,
        "keys/confirm.html",
        {
            "organization": request.admin.organization,
            "scim_key": ScimKey.objects.get(organization=request.admin.organization),
            "action": action,
            "nav": "keys",
        },
    )


# -- The home page ---------------------------------------------------------------------


@admin_required
def home(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    people_count = Member.objects.filter(organization=organization).present().count()
    health = integration_health(organization)
    counts = reports.activity_counts(organization)
    return render(
        request,
        "organizations/home.html",
        {
            "organization": organization,
            "people_count": people_count,
            "health": health,
            "counts": counts["24h"],
            "nav": "home",
        },
    )


# -- The Provisioning page -------------------------------------------------------------


@admin_required
def provisioning(request: PortalRequest) -> HttpResponse:
    organization = request.admin.organization
    filters = ActivityFilterForm(request.GET)
    range_key = filters.value("range", "24h")
    now = timezone.now()
    health = integration_health(organization, now=now)
    counts = reports.activity_counts(organization, now=now)
    chart = charts.activity_chart(
        reports.activity_buckets(organization, range_key=range_key, now=now), range_key=range_key
    )

    events = Event.objects.filter(organization=organization, created_at__gte=now - reports.RANGES[range_key])
    action = filters.value("action")
    if action:
        events = events.filter(action__in=reports.ACTION_GROUPS[action])
    source = filters.value("source")
    if source:
        events = events.filter(actor_kind=source)
    if filters.value("failures", False):
        events = events.filter(reports.FAILED)
    if filters.value("order", "newest") == "failures":
        events = events.annotate(failed_first=Case(When(reports.FAILED, then=Value(0)), default=Value(1))).order_by(
            "failed_first", "-created_at", "-id"
        )
    else:
        events = events.order_by("-created_at", "-id")
    try:
        page = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page = 1
    if page > 1_000_000:  # past any retained activity, and an offset the database cannot take
        return HttpResponseBadRequest("page must be a number from 1 to 1000000.")
    offset = (page - 1) * EVENTS_PER_PAGE
    rows = list(events.annotate(member_scim_id=F("member__scim_id"))[offset : offset + EVENTS_PER_PAGE + 1])
    for event in rows:
        event.label = reports.action_label(event.action)
        event.status_text = reports.status_phrase(event.status)
    waiting = list(
        Member.objects.filter(organization=organization)
        .waiting_for_manager()
        .order_by("pk")
        .values("scim_id", "user_name", "manager_reference")[: WAITING_SHOWN + 1]
    )
    return render(
        request,
        "organizations/provisioning.html",
        {
            "nav": "provisioning",
            "organization": organization,
            "filters": filters,
            "range_key": range_key,
            "range_label": dict(RANGE_CHOICES)[range_key],
            "health": health,
            "counts": counts,
            "chart": chart,
            "events": rows[:EVENTS_PER_PAGE],
            "waiting_for_manager": waiting[:WAITING_SHOWN],
            "more_waiting": len(waiting) > WAITING_SHOWN,
            "page": page,
            "previous_url": query_with(request.GET, page=page - 1) if page > 1 else "",
            "next_url": query_with(request.GET, page=page + 1) if len(rows) > EVENTS_PER_PAGE else "",
            "range_urls": [(key, label, query_with(request.GET, range=key)) for key, label in RANGE_CHOICES],
            "retention_days": settings.EVENT_RETENTION_DAYS,
        },
    )
