"""The demo organization that `make run` serves."""

from django.contrib.auth import get_user_model

from organizations import services, teams
from organizations.models import Member, Organization, Team
from organizations.support import create_support_user, support_group

DEMO_SLUG = "demo"
DEMO_ADMIN_EMAIL = "admin@demo.preciate.test"
DEMO_ADMIN_PASSWORD = "preciate-demo-admin"
# A Preciate support login for Django admin (/admin/): staff, not a superuser.
DEMO_SUPPORT_EMAIL = "support@preciate.test"
DEMO_SUPPORT_PASSWORD = "preciate-demo-support"

DEMO_PEOPLE = [
    ("ada@demo.preciate.test", "Ada", "Lovelace", "Head of Engineering", "Engineering", "Lyon"),
    ("grace@demo.preciate.test", "Grace", "Hopper", "Staff Engineer", "Engineering", "Lyon"),
    ("alan@demo.preciate.test", "Alan", "Turing", "Data Scientist", "Research", "London"),
    ("katherine@demo.preciate.test", "Katherine", "Johnson", "Customer Success Lead", "Customer Success", "London"),
    ("it@demo.preciate.test", "IT", "Mailbox", "", "", ""),
]

# (name, its members' userNames, whether the IdP manages it): one team as if Entra had
# assigned the group, read-only in the portal, and one made by hand.
DEMO_TEAMS = [
    ("Platform", ["ada@demo.preciate.test", "grace@demo.preciate.test"], False),
    ("Customer Success", ["katherine@demo.preciate.test", "alan@demo.preciate.test"], True),
]


def ensure_demo_teams(organization: Organization) -> None:
    """Create the demo teams once; a team of that name already there is left as it is.

    The seed records its own writes, never the IdP's: the home page's integration health
    reads IdP events as requests, and no IdP has called yet.
    """
    actor = services.Actor.command("seed_demo")
    for name, user_names, managed_by_idp in DEMO_TEAMS:
        if Team.objects.current().filter(organization=organization, name__ci=name).exists():
            continue
        team = teams.create_team(organization, by=actor, name=name, managed_by_idp=managed_by_idp)
        members = Member.objects.filter(organization=organization, user_name__in=user_names)
        teams.add_team_members(team, list(members), by=actor)


def ensure_demo_organization() -> Organization:
    """Create the demo organization, its admin and a few people, once; reset the admin's password."""
    actor = services.Actor.command("seed_demo")
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    if organization is None:
        organization = services.create_organization(slug=DEMO_SLUG, name="Demo Company", by=actor)
    for user_name, given, family, title, department, location in DEMO_PEOPLE:
        if not Member.objects.filter(organization=organization, user_name__ci=user_name).exists():
            services.create_member(
                organization,
                by=actor,
                user_name=user_name,
                email=user_name,
                given_name=given,
                family_name=family,
                title=title,
                department=department,
                location=location,
            )
    user = get_user_model().objects.filter(username=DEMO_ADMIN_EMAIL).first()
    if user is None:
        services.create_admin(
            organization,
            email=DEMO_ADMIN_EMAIL,
            password=DEMO_ADMIN_PASSWORD,
            by=actor,
            given_name="Demo",
            family_name="Admin",
        )
    else:
        user.set_password(DEMO_ADMIN_PASSWORD)
        user.save(update_fields=["password"])
    ensure_demo_teams(organization)
    return organization


def ensure_demo_support_user() -> None:
    """Create the demo support login once; reset its password and rights on every run."""
    user = get_user_model().objects.filter(username=DEMO_SUPPORT_EMAIL).first()
    if user is None:
        create_support_user(DEMO_SUPPORT_EMAIL, password=DEMO_SUPPORT_PASSWORD)
        return
    user.set_password(DEMO_SUPPORT_PASSWORD)
    user.is_staff = True
    user.save(update_fields=["password", "is_staff"])
    user.groups.add(support_group())
