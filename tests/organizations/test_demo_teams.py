"""`manage.py seed_demo` gives the demo organization a team of each kind, once."""

from io import StringIO

from django.core.management import call_command

from organizations.demo import DEMO_SLUG
from organizations.models import Team


def test_seed_demo_makes_an_entra_team_and_a_hand_made_one_once(db):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    demo_teams = Team.objects.filter(organization__slug=DEMO_SLUG)
    assert {(t.name, t.managed_by_idp) for t in demo_teams} == {("Platform", False), ("Customer Success", True)}
    members = {t.name: sorted(t.members.values_list("user_name", flat=True)) for t in demo_teams}
    assert members == {
        "Platform": ["ada@demo.preciate.test", "grace@demo.preciate.test"],
        "Customer Success": ["alan@demo.preciate.test", "katherine@demo.preciate.test"],
    }
    entra = Team.objects.get(organization__slug=DEMO_SLUG, name="Customer Success")
    assert set(entra.events.values_list("actor_label", flat=True)) == {"Microsoft Entra ID"}
