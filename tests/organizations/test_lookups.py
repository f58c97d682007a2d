"""Departments, locations, userNames and addresses match in any case, folded by the database
(organizations/lookups.py; on SQLite, the Unicode LOWER() organizations/apps.py installs).

Python's ``str.lower()`` and PostgreSQL's ``lower()`` disagree on some letters, so a value
lowered in Python never equals a column the database lowered: "İnsan Kaynakları" could be
created once and never found again, and a person added by hand as "İlker" was never adopted.
Each test here failed on PostgreSQL while look-ups compared ``lower(column)`` with
``value.lower()``.
"""

# These tests are about Turkish and Greek letters: they are meant, not look-alikes.
# ruff: noqa: RUF001, RUF002, RUF003

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from organizations import services
from organizations.models import Department, Location, Member, Organization
from organizations.services import Actor, ProvisionedUser, create_member
from scim.schemas import ENTERPRISE_USER

pytestmark = pytest.mark.django_db

SETUP = Actor.command("tests")
IDP = Actor.idp("Microsoft Entra ID")

# Where Python 3.11 (Unicode 14) and PostgreSQL 15 (C.UTF-8, libc) lowercase differently,
# found by lowering every code point in PostgreSQL and comparing with str.lower():
#   SELECT cp, lower(chr(cp)) FROM generate_series(1, 1114111) cp
#   WHERE (cp < 55296 OR cp > 57343) AND lower(chr(cp)) <> chr(cp)
# Only U+0130 "İ" differs letter by letter ("i" + U+0307 in Python, "i" in PostgreSQL). Python
# also lowers a word-final capital sigma to "ς" (Unicode's Final_Sigma rule), PostgreSQL to "σ".
# Each name is paired with the same name in another case; a paired "İ" stays "İ", since on
# SQLite (Python's lowercase) "İ" and "i" are different letters while PostgreSQL folds both to "i".
DISAGREE = [
    ("İnsan Kaynakları", "İNSAN kaynakları"),
    ("İstanbul", "İSTANBUL"),
    ("ΤΜΗΜΑ ΠΩΛΗΣΕΙΣ", "Τμημα ΠΩΛΗΣΕΙΣ"),
]
# Letters whose lowercase both agree on but a naive fold gets wrong: capital sharp s, the
# Kelvin and Ohm signs, titlecase and capital digraphs, a Latin-1 accent (SQLite's own LOWER
# leaves it as it is).
AGREE = [
    ("ẞ-Team", "ß-team"),
    ("\u212a-Team", "k-team"),
    ("\u2126-Team", "ω-team"),
    ("ǅemal", "ǆEMAL"),
    ("Ǆ-Team", "ǆ-team"),
    ("Équipe", "ÉQUIPE"),
]


def _hand_added(organization: Organization, user_name: str, **values: str) -> Member:
    return services.create_member(organization, by=SETUP, user_name=user_name, email=user_name, **values)


@pytest.mark.parametrize(("text", "other_case"), DISAGREE + AGREE)
def test_a_name_with_letters_python_and_postgresql_lowercase_differently_is_one_record_in_any_case(
    org, text, other_case
):
    department = services.get_or_create_department(org, text)
    location = services.get_or_create_location(org, text)

    assert services.get_or_create_department(org, text) == department
    assert services.get_or_create_department(org, other_case) == department
    assert services.get_or_create_location(org, text) == location
    assert services.get_or_create_location(org, other_case) == location
    assert Department.objects.filter(organization=org).count() == 1
    assert Location.objects.filter(organization=org).count() == 1

    person = _hand_added(org, f"{text.replace(' ', '.')}@acme.example")
    user_name = f"{other_case.replace(' ', '.')}@ACME.example"
    adopted, _ = services.provision_member(
        org, ProvisionedUser(user_name=user_name, scim_data={"userName": user_name}), by=IDP
    )
    assert adopted.pk == person.pk and adopted.managed_by_idp
    assert Member.objects.filter(organization=org).count() == 1


def test_create_admin_makes_the_person_added_by_hand_with_that_address_the_admin(org):
    ilker = _hand_added(org, "İlker.Demir@acme.example", given_name="İlker", family_name="Demir")

    admin = services.create_admin(org, email="İlker.Demir@acme.example", password="pw-İlker-123", by=SETUP)

    assert admin.pk == ilker.pk and admin.is_admin
    assert Member.objects.filter(organization=org).count() == 1


def test_create_admin_twice_for_the_same_address_is_refused_not_a_crash(org):
    services.create_admin(org, email="İlker.Demir@acme.example", password="pw-İlker-123", by=SETUP)

    with pytest.raises(ValidationError, match="already exists"):
        services.create_admin(org, email="İlker.Demir@acme.example", password="pw-İlker-123", by=SETUP)
    assert get_user_model().objects.count() == 1


@pytest.fixture
def ilker(org: Organization) -> Member:
    return _hand_added(org, "İlker.Demir@acme.example", given_name="İlker", family_name="Demir")


@pytest.fixture
def emile(org: Organization) -> Member:
    return _hand_added(org, "emile@acme.example", given_name="Émile", family_name="Zola")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("İlker.Demir@acme.example", {"İlker Demir"}),
        ("İLKER.DEMIR@ACME.EXAMPLE", {"İlker Demir"}),
        ("İlk", {"İlker Demir"}),
        ("émi", {"Émile Zola"}),
        ("ZOL", {"Émile Zola"}),
    ],
)
def test_people_search_finds_non_ascii_names_and_addresses_in_any_case(admin_client, ilker, emile, query, expected):
    response = admin_client.get("/web/admin/people", {"q": query})

    assert {m.full_name for m in response.context["people"]} == expected


@pytest.mark.parametrize("typed", ["İlker.Demir@acme.example", "İLKER.DEMIR@acme.example"])
def test_the_manager_field_finds_a_manager_whose_address_is_not_ascii(admin_client, org, ilker, typed):
    response = admin_client.post("/web/admin/people/new", {"user_name": "ayse@acme.example", "manager": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Member.objects.get(organization=org, user_name="ayse@acme.example").manager == ilker


@pytest.fixture
def support_client(db) -> Client:
    staff = get_user_model().objects.create_superuser("support@preciate.example", "support@preciate.example", "pw")
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize("typed", ["İlker.Demir@acme.example", "İLKER.DEMIR@ACME.EXAMPLE"])
def test_support_finds_a_person_whose_address_is_not_ascii_in_django_admin(support_client, ilker, emile, typed):
    response = support_client.get("/admin/organizations/member/", {"q": typed})

    assert response.status_code == 200
    assert [m.pk for m in response.context["cl"].result_list] == [ilker.pk]


# --------------------------------------------------------------------------------------------
# userNames and department names outside ASCII must match the way the constraints fold them.
#
# On SQLite the built-in LOWER() folds ASCII only, so on the default backend (``make run``,
# ``make test``) "Émile" never equalled lower("Émile"): a person added by hand was not adopted
# (409), a deleted person who returned became a second person (history not reattached), and
# "ÉQUIPE" and "équipe" became two departments. organizations/apps.py installs a Unicode LOWER()
# on each SQLite connection; the tests above cover the letters where Python's and
# PostgreSQL's lowercase differ.
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Turkish and Greek departments, locations and userNames provision like any other.
#
# The IdP sends "İnsan Kaynakları" for everyone in Human Resources; each POST after the first
# used to answer 500 on PostgreSQL, because the department was looked up with Python's
# lowercase ("i" + U+0307 for "İ") against PostgreSQL's ("i") and never found
# (the first section has the letters where the two differ).
# --------------------------------------------------------------------------------------------


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
