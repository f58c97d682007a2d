"""Turkish and Greek departments, locations and userNames provision like any other.

The IdP sends "İnsan Kaynakları" for everyone in Human Resources; each POST after the first
used to answer 500 on PostgreSQL, because the department was looked up with Python's
lowercase ("i" + U+0307 for "İ") against PostgreSQL's ("i") and never found
(tests/organizations/test_case_insensitive_matching.py has the letters where the two differ).
"""

# These tests are about Turkish and Greek letters: they are meant, not look-alikes.
# ruff: noqa: RUF001, RUF002

import pytest

from organizations.models import Department, Location, Member
from organizations.services import Actor, create_member
from scim.schemas import ENTERPRISE_USER

pytestmark = pytest.mark.django_db


def _user(user_name: str, **extra: object) -> dict[str, object]:
    return {"userName": user_name, "active": True, **extra}


@pytest.mark.parametrize("name", ["İnsan Kaynakları", "ΤΜΗΜΑ ΠΩΛΗΣΕΙΣ"])
def test_two_people_in_a_department_whose_name_python_lowercases_differently_both_provision(org, scim, name):
    first = scim.post("/Users", _user("ayse@acme.example", **{ENTERPRISE_USER: {"department": name}}))
    second = scim.post("/Users", _user("mehmet@acme.example", **{ENTERPRISE_USER: {"department": name}}))

    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert second.json()[ENTERPRISE_USER]["department"] == name
    department = Department.objects.get(organization=org)
    assert set(Member.objects.filter(organization=org).values_list("department", flat=True)) == {department.pk}


@pytest.mark.parametrize("name", ["İstanbul", "ΠΕΙΡΑΙΑΣ"])
def test_two_people_at_a_location_whose_name_python_lowercases_differently_both_provision(org, scim, name):
    address = [{"type": "work", "formatted": name}]
    first = scim.post("/Users", _user("ayse@acme.example", addresses=address))
    second = scim.post("/Users", _user("mehmet@acme.example", addresses=address))

    assert (first.status_code, second.status_code) == (201, 201), second.content
    location = Location.objects.get(organization=org)
    assert set(Member.objects.filter(organization=org).values_list("location", flat=True)) == {location.pk}


@pytest.mark.parametrize("sent", ["İlker.Demir@acme.example", "İLKER.DEMIR@ACME.EXAMPLE"])
def test_a_person_added_by_hand_as_ilker_is_adopted_by_a_post_of_their_user_name(org, scim, sent):
    ilker = create_member(org, by=Actor.command("tests"), user_name="İlker.Demir@acme.example")

    response = scim.post("/Users", _user(sent))

    assert response.status_code == 201, response.content
    assert response.json()["id"] == str(ilker.scim_id)
    ilker.refresh_from_db()
    assert ilker.managed_by_idp and ilker.user_name == sent
    assert Member.objects.filter(organization=org).count() == 1


def test_a_user_name_with_a_dotted_capital_i_is_found_by_a_filter_in_another_case(org, scim):
    created = scim.create(_user("İlker.Demir@acme.example"))

    response = scim.get("/Users", {"filter": 'userName eq "İLKER.DEMIR@acme.example"'})

    assert [r["id"] for r in response.json()["Resources"]] == [created["id"]]


@pytest.mark.parametrize("op", ["sw", "co", "ew"])
def test_a_partial_user_name_filter_matches_an_accented_letter_in_any_case(org, scim, op):
    created = scim.create(_user("Émile.Zola@acme.example"))
    part = {"sw": "émile", "co": "émile.zola", "ew": "émile.ZOLA@acme.example"}[op]

    response = scim.get("/Users", {"filter": f'userName {op} "{part}"'})

    assert [r["id"] for r in response.json()["Resources"]] == [created["id"]]
