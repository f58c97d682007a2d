"""Departments, locations, userNames and addresses match in any case, folded by the database.

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
from organizations.services import Actor, ProvisionedUser

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
