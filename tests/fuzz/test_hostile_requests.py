"""Requests found by fuzzing to break /api/v1/scim, replayed on the wire: each must get a SCIM 400.

These are the raw bodies (JSON a generator cannot type: 1e400, lone surrogates) that the
property tests reach only below the HTTP layer. A 4xx is the IdP's cue to fix its data;
a 500 tells Entra to retry the same request for ever. Each is a 400: the input is the
problem, and no other status (SQLite once answered a 1e400 title with a misleading 409
"userName taken") tells the admin so.
"""

import pytest

from tests.scim.helpers import payload

SURROGATE = '"\\ud800"'


@pytest.fixture
def alice(scim) -> str:
    return scim.create(payload("entra_create_user_default_mappings"))["id"]


def assert_scim_400(response) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["status"] == str(response.status_code)
    assert body["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"count": 1e400}', id="count 1e400"),
        pytest.param('{"startIndex": 1e400}', id="startIndex 1e400"),
        pytest.param('{"startIndex": -1e400}', id="startIndex -1e400"),
        pytest.param('{"filter": "meta.created gt \\"9999-12-31T23:59:59Z\\""}', id="a date at the end of year 9999"),
        pytest.param('{"filter": "' + " or ".join(['userName eq \\"a\\"'] * 1_000) + '"}', id="1,000 ORs"),
        pytest.param('{"filter": "' + "(" * 1_000 + 'userName eq \\"a\\"' + ")" * 1_000 + '"}', id="1,000 parentheses"),
    ],
)
def test_a_hostile_search_found_by_fuzzing_answers_a_scim_400(scim, raw):
    assert_scim_400(scim.send("POST", "/Users/.search", raw=raw))


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"Operations": [{"op": "replace", "path": "title", "value": 1e400}]}', id="a title of 1e400"),
        pytest.param('{"Operations": [{"op": "add", "path": "nickName", "value": -1e400}]}', id="a nickName of -1e400"),
        pytest.param(
            '{"Operations": [{"op": "replace", "path": "displayName", "value": ' + SURROGATE + "}]}",
            id="a lone surrogate",
        ),
    ],
)
def test_a_hostile_patch_found_by_fuzzing_answers_a_scim_400_and_changes_nothing(scim, alice, raw):
    before = scim.get(f"/Users/{alice}").json()
    assert_scim_400(scim.send("PATCH", f"/Users/{alice}", raw=raw))
    assert scim.get(f"/Users/{alice}").json() == before


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"userName": "bruno@contoso.example", "nickName": 1e400}', id="a nickName of 1e400"),
        pytest.param('{"userName": "\\udfff@contoso.example"}', id="a lone surrogate in userName"),
        pytest.param(
            '{"userName": "bruno@contoso.example", "title": ' + SURROGATE + "}", id="a lone surrogate in title"
        ),
    ],
)
def test_a_hostile_user_found_by_fuzzing_answers_a_scim_400_and_creates_nobody(scim, raw):
    assert_scim_400(scim.send("POST", "/Users", raw=raw))
    assert scim.get("/Users").json()["totalResults"] == 0
