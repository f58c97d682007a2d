"""What each SCIM verb costs the database, in statements, however large the organization.

Counted inside the test's own transaction, so the view's transaction shows as SAVEPOINT and
RELEASE where a server runs BEGIN and COMMIT. Every count includes the key check (one
indexed look-up) and, for writes, the key hold; "last used" is written at most once a
minute, so a first request is made before counting.
"""

from typing import Any

import pytest

from organizations.models import Department, Event, Location, Member, MemberEmail, Organization
from tests.scim.helpers import ENTERPRISE, ScimClient, ok, patch_op

TRANSACTION = 2  # BEGIN and COMMIT (SAVEPOINT and RELEASE here)
KEY_CHECK = 1
KEY_HOLD = 1
MEMBER_UNDER_LOCK = 1
# A new person, or a new userName, email, externalId or employee number, may be the manager
# others wait for: one look-up in a partial index of the people waiting (docs/protocol.md#manager-references).
WAITING_REPORTS = 1


def colleagues(org: Organization, how_many: int) -> None:
    """``how_many`` other people of the organization, each with an email row, a department and a location."""
    department = Department.objects.create(organization=org, name="Colleagues")
    location = Location.objects.create(organization=org, name="Head office")
    members = Member.objects.bulk_create(
        Member(
            organization=org,
            user_name=f"colleague{i}@acme.example",
            email=f"colleague{i}@acme.example",
            managed_by_idp=True,
            scim_data={"userName": f"colleague{i}@acme.example"},
            department=department,
            location=location,
        )
        for i in range(how_many)
    )
    MemberEmail.objects.bulk_create(
        MemberEmail(organization=org, member=m, value=m.email, type="work", primary=True) for m in members
    )


def entra_user(user_name: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": user_name,
        "active": "True",
        "displayName": "Ada Lovelace",
        "title": "Analyst",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "addresses": [{"type": "work", "formatted": "Head office"}],
        ENTERPRISE: {"department": "Colleagues", "employeeNumber": "1815"},
    }


@pytest.fixture(params=[1, 200], ids=["1 colleague", "200 colleagues"])
def ada(request, org: Organization, scim: ScimClient) -> dict[str, Any]:
    """Ada, provisioned by Entra into an organization of one or of two hundred other people."""
    colleagues(org, request.param)
    created = scim.create(entra_user("ada@acme.example"))
    # "Last used" is now written; the next minute's requests only read the key.
    return created


def test_a_patch_of_the_title_reads_locks_updates_and_records_once(scim, ada, django_assert_num_queries):
    body = patch_op({"op": "Replace", "path": "title", "value": "Countess"})
    update, event = 1, 1
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + event):
        ok(scim.patch(f"/Users/{ada['id']}", body))
    assert Member.objects.get(user_name="ada@acme.example").title == "Countess"


def test_a_patch_that_also_deactivates_writes_one_update_and_two_events(scim, ada, django_assert_num_queries):
    body = patch_op(
        {"op": "Replace", "path": "title", "value": "Countess"},
        {"op": "Replace", "path": "active", "value": "False"},
    )
    update, events = 1, 2
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + events):
        ok(scim.patch(f"/Users/{ada['id']}", body))
    assert Event.objects.filter(member__user_name="ada@acme.example", action="member.deactivated").exists()


def test_a_patch_that_changes_nothing_writes_nothing(scim, ada, django_assert_num_queries):
    body = patch_op({"op": "Replace", "path": "title", "value": "Analyst"})
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK):
        ok(scim.patch(f"/Users/{ada['id']}", body))


def test_a_patch_of_the_work_email_also_rewrites_the_email_rows(scim, ada, django_assert_num_queries):
    body = patch_op({"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ada@lovelace.example"})
    update, email_rows, event = 1, 2, 1  # delete the old rows, insert the new ones
    with django_assert_num_queries(
        KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + email_rows + event + WAITING_REPORTS
    ):
        ok(scim.patch(f"/Users/{ada['id']}", body))
    assert list(MemberEmail.objects.filter(member__user_name="ada@acme.example").values_list("value", flat=True)) == [
        "ada@lovelace.example"
    ]


def test_a_put_of_a_new_title_costs_what_a_patch_does(scim, ada, django_assert_num_queries):
    update, event = 1, 1
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + event):
        ok(scim.put(f"/Users/{ada['id']}", {**entra_user("ada@acme.example"), "title": "Countess"}))


def test_a_post_looks_up_the_username_department_and_location_then_inserts(scim, ada, django_assert_num_queries):
    same_user_name, department, location = 1, 1, 1
    member, email_row, event = 1, 1, 1
    with django_assert_num_queries(
        KEY_CHECK
        + TRANSACTION
        + KEY_HOLD
        + same_user_name
        + department
        + location
        + member
        + email_row
        + event
        + WAITING_REPORTS
    ):
        ok(scim.post("/Users", entra_user("charles@acme.example")), 201)


def test_entras_filter_look_up_is_one_statement_after_the_key(scim, ada, django_assert_num_queries):
    for user_name, found in (("ada@acme.example", 1), ("nobody@acme.example", 0)):
        with django_assert_num_queries(KEY_CHECK + 1):
            body = ok(scim.get("/Users", {"filter": f'userName eq "{user_name}"'}))
        assert body["totalResults"] == found


def test_a_get_by_id_is_one_statement_after_the_key(scim, ada, django_assert_num_queries):
    with django_assert_num_queries(KEY_CHECK + 1):
        ok(scim.get(f"/Users/{ada['id']}"))


def test_a_delete_locks_updates_and_records_once(scim, ada, django_assert_num_queries):
    update, event = 1, 1
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + event):
        ok(scim.delete(f"/Users/{ada['id']}"), 204)
