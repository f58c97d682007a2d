"""Hostile bodies and parameters get a SCIM 4xx before anything is stored, never a 5xx.

Bodies over 1 MiB (413), input nested past 32 levels, lone UTF-16 surrogates, paging
parameters that are not integers, and a provisioning page number no database can offset.
A member stored with deep data before the limit still reads and deactivates.
"""

import json
from typing import Any

import pytest

from organizations.models import Member
from tests.scim.helpers import directory, patch_op, scim_error

pytestmark = pytest.mark.django_db


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"level": value}
    return value


# -- Paging parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["count", "startIndex"])
@pytest.mark.parametrize("raw", ["1e400", "true", "2.5", '"ten"', "-1e400"])
def test_a_search_with_a_paging_parameter_that_is_not_an_integer_is_refused(org, scim, grace, name, raw):
    response = scim.send("POST", "/Users/.search", raw=f'{{"{name}": {raw}}}')

    assert "integer" in scim_error(response, 400, "invalidValue")["detail"]


@pytest.mark.parametrize("name", ["count", "startIndex"])
@pytest.mark.parametrize("value", [10**30, -(10**30), 0])
def test_a_search_with_a_huge_or_negative_paging_parameter_answers_a_page(scim, grace, name, value):
    response = scim.post("/Users/.search", {name: value})

    assert response.status_code == 200, response.content
    assert response.json()["totalResults"] == 1


# -- Bodies: size, nesting, characters ------------------------------------------------------


def test_a_body_over_one_mebibyte_is_refused_with_413_and_nothing_is_created(org, scim):
    body = {"userName": "big@acme.example", "title": "x" * (3 * 1024 * 1024)}

    response = scim.post("/Users", body)

    assert "1 MiB" in scim_error(response, 413)["detail"]
    assert not Member.objects.filter(organization=org).exists()


def test_a_body_whose_content_length_says_three_megabytes_is_refused_unread(org, scim):
    response = scim.send("POST", "/Users", raw='{"userName": "a@acme.example"}', headers={"Content-Length": "3145728"})

    scim_error(response, 413)
    assert not Member.objects.filter(organization=org).exists()


def test_a_body_just_under_one_mebibyte_is_read(org, scim):
    response = scim.post("/Users", {"userName": "wide@acme.example", "nickName": "x" * (1000 * 1024)})

    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize("depth", [33, 477, 100_000])
def test_a_user_nested_past_the_depth_limit_is_refused_and_not_created(org, scim, depth):
    raw = '{"userName": "deep@acme.example", "custom": ' + "[" * depth + "]" * depth + "}"

    response = scim.send("POST", "/Users", raw=raw)

    assert "nested" in scim_error(response, 400, "invalidSyntax")["detail"]
    assert not Member.objects.filter(organization=org).exists()


def test_a_patch_nested_past_the_depth_limit_is_refused(org, scim, grace):
    before = directory(org)

    response = scim.patch(f"/Users/{grace['id']}", patch_op({"op": "add", "path": "custom", "value": nested(40)}))

    assert "nested" in scim_error(response, 400, "invalidSyntax")["detail"]
    assert directory(org) == before


def test_a_leaver_stored_with_deeply_nested_data_can_still_be_deactivated(org, scim, grace):
    # Stored before bodies were limited in depth: the leaver must never be stuck active.
    member = Member.objects.get(scim_id=grace["id"])
    Member.objects.filter(pk=member.pk).update(scim_data={**member.scim_data, "custom": nested(476)})

    response = scim.patch(f"/Users/{grace['id']}", patch_op({"op": "replace", "path": "active", "value": False}))

    assert response.status_code == 200, response.content[:500]
    member.refresh_from_db()
    assert member.idp_active is False
    assert json.dumps(member.scim_data["custom"]).count("level") == 476


@pytest.mark.parametrize(
    "raw",
    [
        '{"userName": "\\ud800@acme.example"}',
        '{"userName": "a@acme.example", "title": "Eng \\udfff"}',
        '{"userName": "a@acme.example", "\\ud83d": "key"}',
    ],
)
def test_a_user_with_a_lone_surrogate_is_refused_and_not_created(org, scim, raw):
    response = scim.send("POST", "/Users", raw=raw)

    assert "surrogate" in scim_error(response, 400, "invalidValue")["detail"]
    assert not Member.objects.filter(organization=org).exists()


def test_a_patch_with_a_lone_surrogate_is_refused(org, scim, grace):
    before = directory(org)
    raw = '{"Operations": [{"op": "replace", "path": "title", "value": "\\ud800"}]}'

    response = scim.send("PATCH", f"/Users/{grace['id']}", raw=raw)

    assert "surrogate" in scim_error(response, 400, "invalidValue")["detail"]
    assert directory(org) == before


def test_a_surrogate_pair_is_an_ordinary_character(org, scim):
    response = scim.send("POST", "/Users", raw='{"userName": "a@acme.example", "title": "Rocket \\ud83d\\ude80"}')

    assert response.status_code == 201, response.content
    assert Member.objects.get(organization=org).title == "Rocket \U0001f680"


# -- The portal's provisioning page --------------------------------------------------------


def test_a_provisioning_page_number_too_large_for_the_database_is_refused(admin_client):
    response = admin_client.get("/web/admin/provisioning", {"page": "99999999999999999999"})

    assert response.status_code == 400
    assert b"page must be a number" in response.content


def test_a_search_naming_more_than_a_hundred_attributes_is_refused(scim, grace):
    response = scim.post("/Users/.search", {"attributes": [f"custom{i}" for i in range(5_000)]})

    assert "at most 100" in scim_error(response, 400, "invalidValue")["detail"]
