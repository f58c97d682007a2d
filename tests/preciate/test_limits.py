"""Guessing passwords: the portal and Django admin lock an account per address, and an address, for a cooldown.

Counters live in the shared cache (django-axes' cache handler); "the cooldown passes" is
either a short AXES_COOLOFF_TIME and a real wait, or the counters' keys expiring, which
is what the cache does when the cooldown runs out (here: this run's keys deleted).
"""

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from tests.conftest import ADMIN_PASSWORD, clear_this_runs_cache, make_admin

ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.20"


def sign_in(email: str, password: str, *, address: str = ATTACKER, client: Client | None = None):
    client = client or Client()
    response = client.post("/web/login", {"username": email, "password": password}, REMOTE_ADDR=address)
    return client, response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def cooldown_passes() -> None:
    """What the cache does once AXES_COOLOFF_TIME has passed: the counters' keys expire."""
    clear_this_runs_cache()


def test_30_wrong_portal_passwords_lock_the_account_and_refuse_the_right_one_until_the_cooldown(admin):
    email = admin.user.username
    answers = [sign_in(email, f"guess {n}")[1].status_code for n in range(30)]
    assert answers[:4] == [200] * 4  # the usual "wrong password" form
    assert answers[4:] == [429] * 26

    client, response = sign_in(email, ADMIN_PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html and "try again in 15\xa0minutes" in html
    assert response["Retry-After"] == "900"
    assert client.get("/web/admin/").status_code == 302

    cooldown_passes()
    client, response = sign_in(email, ADMIN_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/web/admin/"
    assert signed_in(client)


def test_the_lockout_lifts_by_itself_when_the_cooldown_has_passed(admin, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    for n in range(5):
        sign_in(admin.user.username, f"guess {n}")
    assert sign_in(admin.user.username, ADMIN_PASSWORD)[1].status_code == 429
    time.sleep(2.5)
    client, response = sign_in(admin.user.username, ADMIN_PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_five_wrong_passwords_lock_that_account_from_that_address_only(org, admin):
    colleague = make_admin(org, "bob.admin@acme.example")
    # The address counts the account however its email is capitalised.
    for n, email in enumerate(["alice.admin@acme.example", "Alice.Admin@ACME.example"] * 2):
        assert sign_in(email, f"guess {n}")[1].status_code == 200
    assert sign_in("ALICE.admin@acme.example", "guess 5")[1].status_code == 429
    assert sign_in(admin.user.username, ADMIN_PASSWORD)[1].status_code == 429

    # Someone guessing from elsewhere cannot lock Alice out of her office, nor Bob out of anything.
    client, response = sign_in(admin.user.username, ADMIN_PASSWORD, address=OFFICE)
    assert response.status_code == 302 and signed_in(client)
    client, response = sign_in(colleague.user.username, ADMIN_PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_twenty_wrong_passwords_across_accounts_lock_the_address(org, admin):
    for n in range(20):
        sign_in(f"guess{n}@acme.example", "password")
    client, response = sign_in(admin.user.username, ADMIN_PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    client, response = sign_in(admin.user.username, ADMIN_PASSWORD, address=OFFICE)
    assert response.status_code == 302 and signed_in(client)


def test_the_right_password_before_the_limit_still_signs_in(admin):
    for n in range(4):
        sign_in(admin.user.username, f"guess {n}")
    client, response = sign_in(admin.user.username, ADMIN_PASSWORD)
    assert response.status_code == 302 and signed_in(client)


# -- Django admin -------------------------------------------------------------------------------


@pytest.fixture
def support(db):
    return get_user_model().objects.create_user(
        "support@preciate.example", "support@preciate.example", "support password", is_staff=True, is_superuser=True
    )


def admin_sign_in(password: str, *, address: str = ATTACKER):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "support@preciate.example", "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )
    return client, response


def test_30_wrong_django_admin_passwords_lock_support_out_until_the_cooldown(support):
    answers = [admin_sign_in(f"guess {n}")[1].status_code for n in range(30)]
    assert answers[:4] == [200] * 4 and answers[4:] == [429] * 26

    client, response = admin_sign_in("support password")
    assert response.status_code == 429 and not signed_in(client)
    assert "try again in 15\xa0minutes" in response.content.decode()
    assert client.get("/admin/").status_code == 302

    cooldown_passes()
    client, response = admin_sign_in("support password")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_support_can_lift_a_lockout_with_the_axes_command_before_the_cooldown(admin):
    for n in range(5):
        sign_in(admin.user.username, f"guess {n}")
    call_command("axes_reset_ip_username", ATTACKER, admin.user.username, stdout=StringIO())
    client, response = sign_in(admin.user.username, ADMIN_PASSWORD)
    assert response.status_code == 302 and signed_in(client)
