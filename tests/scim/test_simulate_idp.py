"""`manage.py simulate_idp`: Entra's cycle replayed over HTTP against a live server, as after `make run`."""

import io
import socket

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from keys.services import organization_for_key, regenerate_key
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from organizations.models import Department, Event, Member
from organizations.services import Actor
from scim.idp_simulator import directory

USERS = 8


def simulate(base_url: str, *arguments: str) -> str:
    out = io.StringIO()
    call_command("simulate_idp", "demo", "--users", str(USERS), "--base-url", base_url, *arguments, stdout=out)
    return out.getvalue()


def test_simulate_idp_fills_the_demo_organization_and_its_activity_over_http(live_server):
    organization = ensure_demo_organization()
    departments_before = Department.objects.filter(organization=organization).count()
    earlier_key = regenerate_key(organization, by=Actor.command("tests"))

    output = simulate(live_server.url)

    synced = Member.objects.filter(organization=organization, managed_by_idp=True)
    people = directory(USERS, seed=1)
    assert sorted(synced.values_list("user_name", flat=True)) == sorted(p.user_principal_name for p in people)
    assert not synced.filter(department__isnull=True).exists()
    assert not synced.filter(location__isnull=True).exists()
    assert Department.objects.filter(organization=organization).count() > departments_before
    heads = {p.user_principal_name for p in people if p.is_head}
    assert set(synced.filter(manager__isnull=True).values_list("user_name", flat=True)) == heads
    leavers = synced.filter(idp_active=False)
    assert leavers.count() == 1
    leaver = leavers.get()
    assert Event.objects.filter(member=leaver, action="member.deactivated").exists()

    # The fresh key replaced the earlier one, and the output says so.
    assert organization_for_key(earlier_key) is None
    assert "no longer works" in output
    for phase in ("Test Connection:", f"Initial cycle: {USERS} created", "Managers:", "Updates:", "Leaver:"):
        assert phase in output

    admin = Client()
    admin.post("/web/login", {"username": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD})
    page = admin.get("/web/admin/provisioning").content.decode()
    assert "Microsoft Entra ID" in page
    assert "Deactivated" in page and leaver.user_name in page
    people_page = admin.get("/web/admin/people", {"q": leaver.user_name}).content.decode()
    assert leaver.display_name in people_page


def test_running_it_again_matches_everyone_instead_of_creating_them_twice(live_server):
    organization = ensure_demo_organization()
    simulate(live_server.url)
    output = simulate(live_server.url)
    assert f"Initial cycle: 0 created, {USERS} already there" in output
    assert Member.objects.filter(organization=organization, managed_by_idp=True).count() == USERS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_a_server_that_is_not_running_is_a_clear_error_and_the_key_keeps_working():
    organization = ensure_demo_organization()
    key = regenerate_key(organization, by=Actor.command("tests"))
    with pytest.raises(CommandError, match=r"is not reachable .*Start it with `make run`"):
        simulate(f"http://127.0.0.1:{free_port()}")
    assert organization_for_key(key) == organization
