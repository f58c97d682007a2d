"""POST /.search at the service root (RFC 7644 §3.4.3): a SearchRequest across every resource type served.

Users are the only type today, so it answers what /Users/.search answers, with the same
filters, paging and attributes, and the other organization's people never appear.
"""

from typing import Any

import pytest

from scim import views
from tests.scim.helpers import payload, scim_error

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@pytest.fixture
def smiths(scim, other_scim) -> list[dict[str, Any]]:
    other_scim.create({"userName": "sam.smith@globex.example", "displayName": "Sam Smith"})
    scim.create({"userName": "jo.jones@acme.example", "displayName": "Jo Jones"})
    return [
        scim.create(
            {
                "userName": f"{first.lower()}.smith@acme.example",
                "displayName": f"{first} Smith",
                "emails": [{"value": f"{first.lower()}@acme.example", "type": "work"}],
            }
        )
        for first in ("Ann", "Bea", "Cy")
    ]


def test_a_search_request_at_the_root_finds_the_organizations_users_and_projects_them(scim, smiths):
    response = scim.post("/.search", payload("rfc_search_request_at_root"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert body["totalResults"] == 3
    assert {r["userName"] for r in body["Resources"]} == {s["userName"] for s in smiths}
    for resource in body["Resources"]:
        assert set(resource) == {"schemas", "id", "displayName", "userName", "emails"}
        assert resource["emails"] == [{"value": resource["userName"].split(".")[0] + "@acme.example"}]


def test_the_root_search_answers_what_users_search_answers(scim, smiths):
    request = {"schemas": [SEARCH_REQUEST], "filter": 'userName ew "smith@acme.example"', "sortBy": "displayName"}
    request |= {"sortOrder": "descending", "startIndex": 2, "count": 1, "excludedAttributes": ["emails"]}
    at_root = scim.post("/.search", request).json()
    assert at_root == scim.post("/Users/.search", request).json()
    assert at_root["totalResults"] == 3 and at_root["startIndex"] == 2 and at_root["itemsPerPage"] == 1
    assert [r["displayName"] for r in at_root["Resources"]] == ["Bea Smith"]
    assert "emails" not in at_root["Resources"][0]


def test_a_root_search_without_a_filter_lists_everyone_of_the_organization_only(scim, smiths):
    body = scim.post("/.search/", {"schemas": [SEARCH_REQUEST]}).json()
    assert body["totalResults"] == 4
    assert all(r["userName"].endswith("@acme.example") for r in body["Resources"])


def test_a_count_of_zero_counts_without_listing(scim, smiths):
    body = scim.post("/.search", {"schemas": [SEARCH_REQUEST], "count": 0}).json()
    assert (body["totalResults"], body["Resources"]) == (4, [])


def test_a_root_search_pages_over_every_registered_resource_type_in_turn(scim, smiths, monkeypatch):
    # Groups join ROOT_SEARCH when Preciate serves them; a second source shows how pages span types.
    def two_groups(view, organization, params, offset, count):
        groups = [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": f"g{i}"} for i in range(2)]
        return len(groups), groups[offset : offset + count]

    monkeypatch.setitem(views.ROOT_SEARCH, "Group", two_groups)
    request = {"schemas": [SEARCH_REQUEST], "filter": 'displayName sw "Ann"', "startIndex": 1, "count": 2}
    body = scim.post("/.search", request).json()
    assert body["totalResults"] == 3
    assert [r["id"] for r in body["Resources"]] == [smiths[0]["id"], "g0"]
    body = scim.post("/.search", {**request, "startIndex": 3}).json()
    assert [r["id"] for r in body["Resources"]] == ["g1"]


def test_a_bad_filter_at_the_root_is_invalid_filter(scim, smiths):
    detail = scim_error(scim.post("/.search", {"schemas": [SEARCH_REQUEST], "filter": 'nickName eq "x"'}), 400)[
        "detail"
    ]
    assert "nickName" in detail


def test_a_body_that_is_not_a_search_request_is_invalid_syntax(scim):
    detail = scim_error(scim.post("/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}), 400)[
        "detail"
    ]
    assert SEARCH_REQUEST in detail
    scim_error(scim.post("/.search", ["not", "an", "object"]), 400, "invalidSyntax")


def test_a_get_of_the_root_search_says_to_post(scim):
    assert "POST" in scim_error(scim.get("/.search"), 405)["detail"]
