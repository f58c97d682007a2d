"""Bearer-key authentication (scim/auth.py): only the organization's live key gets in, and
wrong keys are throttled per client address while a valid key never is.

Entra's requests for many tenants come from Microsoft's shared addresses, so one tenant's
stale key (or an attacker's guesses) from an address must never lock out another tenant's
valid key from the same address.
"""

import json

import pytest

from keys.services import new_key, regenerate_key, revoke_key
from organizations.models import Event
from organizations.services import Actor
from tests.scim.helpers import BASE, ScimClient, scim_error

MICROSOFT = "40.126.25.32"
ELSEWHERE = "203.0.113.7"


def from_address(client: ScimClient, address: str, **headers: str) -> ScimClient:
    client.client.defaults["REMOTE_ADDR"] = address
    for name, value in headers.items():
        client.client.defaults[name] = value
    return client


# --------------------------------------------------------------------------------------------
# Which keys get in
# --------------------------------------------------------------------------------------------


def test_a_request_without_a_key_gets_401_with_a_bearer_challenge(db):
    response = ScimClient(None).get("/Users")
    scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_entra_issued_jwt_is_rejected_with_advice_to_paste_the_preciate_key(db):
    jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI4YWRmOGU2ZSJ9.c2lnbmF0dXJl"
    body = scim_error(ScimClient(jwt).get("/Users"), 401)
    assert "Secret Token" in body["detail"]


def test_a_rotated_away_key_gets_401_and_the_failure_shows_in_the_organizations_activity(org, scim_key):
    regenerate_key(org, by=Actor.command("tests"))
    scim_error(ScimClient(scim_key).get("/Users"), 401)
    event = Event.objects.get(organization=org, action="scim.failed")
    assert event.status == 401
    assert scim_key not in event.summary


def test_a_revoked_key_gets_401(org, scim_key):
    revoke_key(org, by=Actor.command("tests"))
    scim_error(ScimClient(scim_key).get("/Users"), 401)


def test_a_session_cookie_is_not_a_way_in(admin_client):
    response = admin_client.get(BASE + "/Users")
    scim_error(response, 401)


def test_the_key_never_appears_in_recorded_events(org, scim, scim_key):
    scim.get("/Users", {"filter": "nonsense ((("})
    scim.create({"userName": "a@contoso.example"})
    for summary, changes in Event.objects.values_list("summary", "changes"):
        assert scim_key not in summary + json.dumps(changes)


# --------------------------------------------------------------------------------------------
# Wrong keys are throttled per address
# --------------------------------------------------------------------------------------------


def test_60_wrong_keys_from_one_address_draw_429s_while_a_valid_key_from_it_still_gets_200(db, scim_key):
    answers = [from_address(ScimClient(new_key()), MICROSOFT).get("/Users") for _ in range(60)]
    assert [a.status_code for a in answers] == [401] * 30 + [429] * 30
    throttled = answers[-1]
    body = scim_error(throttled, 429)
    assert "Too many requests with an invalid secret token" in body["detail"]
    assert 1 <= int(throttled["Retry-After"]) <= 300

    response = from_address(ScimClient(scim_key), MICROSOFT).get("/Users", {"filter": 'userName eq "x@y.example"'})
    assert response.status_code == 200
    assert response.json()["totalResults"] == 0


def test_wrong_keys_from_another_address_are_not_throttled_by_the_first(db):
    for _ in range(40):
        from_address(ScimClient(new_key()), MICROSOFT).get("/Users")
    scim_error(from_address(ScimClient(new_key()), MICROSOFT).get("/Users"), 429)
    scim_error(from_address(ScimClient(new_key()), ELSEWHERE).get("/Users"), 401)


def test_x_forwarded_for_is_ignored_unless_a_trusted_proxy_is_configured(db, settings):
    for n in range(31):
        response = from_address(ScimClient(new_key()), MICROSOFT, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").get("/Users")
    assert response.status_code == 429

    # Behind one load balancer the client is its right-most X-Forwarded-For entry; what the
    # client put further left is not believed.
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(31):
        response = from_address(
            ScimClient(new_key()), "10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, {ELSEWHERE}"
        ).get("/Users")
    assert response.status_code == 429
    fresh = from_address(ScimClient(new_key()), "10.0.0.2", HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}, 192.0.2.1")
    scim_error(fresh.get("/Users"), 401)


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_a_rotated_away_key_hammering_100_times_leaves_one_event_counting_100_on_the_provisioning_page(
    org, admin_client, scim_key, method
):
    regenerate_key(org, by=Actor.command("tests"))  # the caller still holds the first key
    stale = from_address(ScimClient(scim_key), ELSEWHERE)
    # A path of the caller's choosing: only safe characters of it, bounded, reach the page.
    path = "/Users/<script>alert(1)</script>" + "x" * 500
    for _ in range(100):
        response = stale.get(path) if method == "GET" else stale.patch(path, {"Operations": []})
        assert response.status_code in (401, 429)

    events = Event.objects.filter(organization=org, action="scim.failed")
    assert events.count() == 1
    event = events.get()
    assert event.status == 401 and event.changes["requests"] == 100
    assert scim_key not in event.summary and "<" not in event.summary and len(event.summary) < 400

    html = admin_client.get("/web/admin/provisioning").content.decode()
    assert f"100 requests with the replaced or revoked key ending …{scim_key[-4:]} from {ELSEWHERE}" in html
    assert "70 answered 429 Too Many Requests" in html
    assert "100 requests from the identity provider were refused with <strong>401 Unauthorized</strong>" in html


def test_refusals_from_two_addresses_are_two_events(org, scim_key):
    regenerate_key(org, by=Actor.command("tests"))
    for address in (MICROSOFT, ELSEWHERE, MICROSOFT):
        scim_error(from_address(ScimClient(scim_key), address).get("/Users"), 401)
    counts = sorted(e.changes["requests"] for e in Event.objects.filter(organization=org, action="scim.failed"))
    assert counts == [1, 2]
