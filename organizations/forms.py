from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Exists, OuterRef, Value

from organizations.models import Department, Location, Member, MemberQuerySet, Organization, Team, TeamMembership
from organizations.teams import NAME_MAX_LENGTH


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Work email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].lower()


STATE_CHOICES = [("", "Any state"), *Member.State.choices]
SOURCE_CHOICES = [("", "Any source"), ("manual", "Added by hand"), ("idp", "Managed by the IdP")]


def _filter_names(organization: Organization) -> dict[str, list[tuple[str, str]]]:
    """The organization's departments, locations and current teams, by name, in one query.

    One UNION rather than a query each keeps the directory's statement count where it was
    before the team filter (tests/organizations/test_views.py guards it).
    """
    kinds = [
        Department.objects.filter(organization=organization),
        Location.objects.filter(organization=organization),
        Team.objects.current().filter(organization=organization),
    ]
    parts = [
        rows.order_by().annotate(kind=Value(kind)).values_list("kind", "name", "id") for kind, rows in enumerate(kinds)
    ]
    named: dict[str, list[tuple[str, str]]] = {"department": [], "location": [], "team": []}
    names = list(named.values())
    for kind, name, pk in parts[0].union(*parts[1:], all=True).order_by("kind", "name"):
        names[kind].append((str(pk), name))
    return named


class PeopleFilterForm(forms.Form):
    """The people directory's search box and filters (GET; unknown values are ignored)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, or exact email / userName"}),
    )
    department = forms.ChoiceField(required=False)
    location = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)
    source = forms.ChoiceField(choices=SOURCE_CHOICES, required=False)

    def __init__(self, data: Any, *, organization: Organization) -> None:
        super().__init__(data)
        named = _filter_names(organization)
        self._set_choices("department", [("", "All departments"), ("none", "Unassigned"), *named["department"]])
        self._set_choices("location", [("", "All locations"), ("none", "Unassigned"), *named["location"]])
        self._set_choices("team", [("", "All teams"), ("none", "In no team"), *named["team"]])

    def _set_choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        # Declared as a ChoiceField above; ``fields`` is typed by the base Field.
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    @property
    def active_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields) if hasattr(self, "cleaned_data") else False

    def apply(self, members: MemberQuerySet) -> MemberQuerySet:
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            members = members.search(data["q"])
        for name in ("department", "location"):
            value = data.get(name)
            if value == "none":
                members = members.filter(**{f"{name}__isnull": True})
            elif value:
                members = members.filter(**{f"{name}_id": int(value)})
        team = data.get("team")
        if team == "none":
            current = TeamMembership.objects.filter(member=OuterRef("pk"), team__retired_at__isnull=True)
            members = members.exclude(Exists(current))
        elif team:
            # One row per (team, member), so the join lists nobody twice.
            members = members.filter(team_memberships__team_id=int(team))
        if data.get("state"):
            members = members.in_state(data["state"])
        source = data.get("source")
        if source:
            members = members.filter(managed_by_idp=source == "idp")
        return members


# For a person the IdP manages, every attribute Preciate models comes from the IdP's
# resource and is recomputed from it on each SCIM PUT or PATCH: a local edit would be
# silently undone by the next sync, so these are read-only in the portal.
IDP_OWNED_FIELDS = ("user_name", "given_name", "family_name", "email", "title", "department", "location", "manager")


class MemberForm(forms.Form):
    """Add a person by hand, or edit one (IdP-owned fields locked for IdP-managed people)."""

    user_name = forms.CharField(
        label="userName",
        max_length=255,
        help_text="Usually the work email. Your identity provider matches people by it.",
    )
    given_name = forms.CharField(label="First name", max_length=150, required=False)
    family_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(label="Work email", max_length=320, required=False)
    title = forms.CharField(label="Title", max_length=200, required=False)
    department = forms.CharField(
        label="Department", max_length=200, required=False, widget=forms.TextInput(attrs={"list": "departments"})
    )
    location = forms.CharField(
        label="Location", max_length=200, required=False, widget=forms.TextInput(attrs={"list": "locations"})
    )
    manager = forms.CharField(
        label="Manager", max_length=320, required=False, help_text="Their userName or work email."
    )

    def __init__(self, *args: Any, organization: Organization, member: Member | None = None, **kwargs: Any) -> None:
        if member is not None:
            kwargs["initial"] = {
                "user_name": member.user_name,
                "given_name": member.given_name,
                "family_name": member.family_name,
                "email": member.email,
                "title": member.title,
                "department": member.department.name if member.department else "",
                "location": member.location.name if member.location else "",
                "manager": member.manager.user_name if member.manager else "",
            }
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.member = member
        self.locked = set(IDP_OWNED_FIELDS) if member is not None and member.managed_by_idp else set()
        for name in self.locked:
            self.fields[name].disabled = True

    @property
    def editable(self) -> bool:
        return len(self.locked) < len(self.fields)

    def clean_manager(self) -> Member | None:
        if self.member is not None and "manager" in self.locked:
            return self.member.manager
        value = self.cleaned_data["manager"].strip()
        if not value:
            return None
        manager = Member.objects.filter(organization=self.organization).with_address(value).first()
        if manager is None:
            raise forms.ValidationError("No one in this organization has that userName or work email.")
        if self.member is not None and manager.pk == self.member.pk:
            raise forms.ValidationError("A person cannot be their own manager.")
        return manager

    def values(self) -> dict[str, Any]:
        """Every editable field, for creating a person."""
        return {name: self.cleaned_data[name] for name in self.fields if name not in self.locked}

    def changes(self) -> dict[str, Any]:
        """Only the editable fields the admin changed, for updating a person."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name not in self.locked}


class TeamSearchForm(forms.Form):
    """The Teams page's search box (GET)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Part of a team's name"}),
    )

    def search(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class TeamForm(forms.Form):
    """A new team's name, or a new name for one the admin made."""

    name = forms.CharField(label="Team name", max_length=NAME_MAX_LENGTH)


class TeamMemberForm(forms.Form):
    """Someone to add to a team, named as an admin knows them."""

    person = forms.CharField(label="Person", max_length=320, help_text="Their userName or work email.")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_person(self) -> Member:
        value = self.cleaned_data["person"].strip()
        member = Member.objects.filter(organization=self.organization).with_address(value).first()
        if member is None:
            raise forms.ValidationError("No one in this organization has that userName or work email.")
        if not member.is_present:
            raise forms.ValidationError(f"{member} is removed from the organization: restore them first.")
        return member


ACTION_CHOICES = [
    ("", "All activity"),
    ("created", "Created"),
    ("updated", "Updated"),
    ("removed", "Removed"),
    ("keys", "Key changes"),
    ("managers", "Manager links"),
]
EVENT_SOURCE_CHOICES = [("", "IdP and admins"), ("idp", "Identity provider"), ("admin", "Admins")]
RANGE_CHOICES = [("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days")]
ORDER_CHOICES = [("newest", "Newest first"), ("failures", "Failures first")]


class ActivityFilterForm(forms.Form):
    """The provisioning page's range and event filters (GET; unknown values fall back)."""

    range = forms.ChoiceField(choices=RANGE_CHOICES, required=False)
    action = forms.ChoiceField(choices=ACTION_CHOICES, required=False)
    source = forms.ChoiceField(choices=EVENT_SOURCE_CHOICES, required=False)
    failures = forms.BooleanField(label="Failures only", required=False)
    order = forms.ChoiceField(choices=ORDER_CHOICES, required=False)

    def value(self, name: str, default: Any = "") -> Any:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or default
