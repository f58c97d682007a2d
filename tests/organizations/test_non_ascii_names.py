"""userNames and department names outside ASCII must match the way the constraints fold them.

On SQLite the built-in LOWER() folds ASCII only, so on the default backend (``make run``,
``make test``) "Émile" never equalled lower("Émile"): a person added by hand was not adopted
(409), a deleted person who returned became a second person (history not reattached), and
"ÉQUIPE" and "équipe" became two departments. organizations/apps.py installs a Unicode LOWER()
on each SQLite connection; tests/organizations/test_case_insensitive_matching.py covers the
letters where Python's and PostgreSQL's lowercase differ.
"""

import pytest

from organizations.models import Department, Member
from organizations.services import Actor, create_member
from scim.schemas import ENTERPRISE_USER

pytestmark = pytest.mark.django_db


def test_it_adopts_a_person_added_by_hand_whose_user_name_is_not_ascii(org, scim):
    create_member(org, by=Actor.command("tests"), user_name="Émile.Zola@acme.example")

    response = scim.post("/Users", {"userName": "Émile.Zola@acme.example", "active": True})

    assert response.status_code == 201, response.content
    assert Member.objects.filter(organization=org).count() == 1


def test_it_rehires_a_deleted_person_whose_user_name_is_not_ascii(org, scim):
    first = scim.create({"userName": "Ørjan.Berg@acme.example", "active": True})
    assert scim.delete(f"/Users/{first['id']}").status_code == 204

    returned = scim.create({"userName": "Ørjan.Berg@acme.example", "active": True})

    assert returned["id"] != first["id"]
    assert Member.objects.filter(organization=org).count() == 1, "the returning person is a new record"


def test_it_matches_a_non_ascii_department_in_any_case(org, scim):
    scim.create({"userName": "a@acme.example", ENTERPRISE_USER: {"department": "ÉQUIPE"}})
    scim.create({"userName": "b@acme.example", ENTERPRISE_USER: {"department": "équipe"}})

    assert Department.objects.filter(organization=org).count() == 1
