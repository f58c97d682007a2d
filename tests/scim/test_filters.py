"""SCIM filters become database queries (RFC 7644 §3.4.2.2), and never reach past the tenant.

Every query below is run the way the Users endpoint runs it: scoped to ``org`` first, then
filtered. ``other_org`` holds a twin of Alice (same userName, email, externalId and
department name) who must never come back.
"""

import datetime as dt

import pytest
from django.utils import timezone

from organizations.models import Member, Organization
from scim.filters import SORTABLE, FilterError, filter_to_q, sort_field
from tests.factories import DepartmentFactory, MemberFactory
from tests.scim.helpers import directory, scim_error

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"

ALICE = "Alice.Moreau@contoso.example"
BOB = "bob@contoso.example"
CHLOE = "chloe@contoso.example"


@pytest.fixture
def people(org: Organization, other_org: Organization) -> dict[str, Member]:
    success = DepartmentFactory(organization=org, name="Customer Success")
    support = DepartmentFactory(organization=org, name="Support")
    alice = MemberFactory(
        organization=org,
        user_name=ALICE,
        email="alice.moreau@contoso.example",
        external_id="alice",
        display_name="Alice Moreau",
        given_name="Alice",
        family_name="Moreau",
        title="Field Engineer",
        employee_number="E-10442",
        department=success,
    )
    bob = MemberFactory(
        organization=org,
        user_name=BOB,
        email="",
        external_id="Bob",
        display_name="Bob Martin",
        given_name="Bob",
        family_name="Martin",
        title="",
        manager=alice,
        idp_active=False,
    )
    chloe = MemberFactory(
        organization=org,
        user_name=CHLOE,
        email="chloe.w@fabrikam.example",
        external_id="chloe",
        display_name="Chloé Weber",
        given_name="Chloé",
        family_name="Weber",
        title="Engineer",
        employee_number="E-20001",
        department=support,
        manager=alice,
    )
    twin_department = DepartmentFactory(organization=other_org, name="Customer Success")
    twin = MemberFactory(
        organization=other_org,
        user_name=ALICE.lower(),
        email="alice.moreau@contoso.example",
        external_id="alice",
        display_name="Alice Moreau",
        title="Field Engineer",
        employee_number="E-10442",
        department=twin_department,
    )
    MemberFactory(organization=other_org, user_name="bob@globex.example", external_id="Bob", manager=twin)
    return {"alice": alice, "bob": bob, "chloe": chloe, "twin": twin}


def found(org: Organization, expression: str) -> list[str]:
    """The userNames the Users endpoint would list for this filter, as it scopes the query."""
    query = Member.objects.filter(organization=org).filter(filter_to_q(expression))
    return sorted(query.values_list("user_name", flat=True))


# --- Entra's requests -------------------------------------------------------------------------


def test_entra_test_connection_random_guid_username_finds_nobody(org, people):
    assert found(org, 'userName eq "7d4a0f1e-3c55-4e0b-9f1c-1a2b3c4d5e6f"') == []


def test_entra_test_connection_random_guid_on_any_matching_attribute_finds_nobody(org, people):
    guid = "7d4a0f1e-3c55-4e0b-9f1c-1a2b3c4d5e6f"
    for attribute in ("externalId", "id", "emails.value", 'emails[type eq "work"].value', "displayName"):
        assert found(org, f'{attribute} eq "{guid}"') == [], attribute


def test_username_eq_is_case_insensitive_and_stays_in_the_tenant(org, other_org, people):
    assert found(org, 'userName eq "alice.moreau@CONTOSO.example"') == [ALICE]
    assert found(other_org, 'userName eq "ALICE.MOREAU@contoso.example"') == [ALICE.lower()]


def test_username_eq_lowers_both_sides_in_sql_so_the_unique_index_is_used(org, people):
    sql = str(Member.objects.filter(organization=org).filter(filter_to_q('userName eq "Bob@Contoso.example"')).query)
    assert 'LOWER("organizations_member"."user_name") = (LOWER(' in sql


def test_work_email_eq_lowers_both_sides_in_sql_for_the_email_index(org, people):
    sql = str(Member.objects.filter(filter_to_q('emails[type eq "work"].value eq "A@B.example"')).query)
    assert 'LOWER(U0."value") = (LOWER(' in sql


def test_username_eq_folds_non_ascii_letters_as_the_database_does(org, people):
    # Both sides are lowered by the database, exactly like the unique index on lower(user_name).
    # (SQLite folds only ASCII; lowering the value in Python would miss "Ä" there.)
    zoe = MemberFactory(organization=org, user_name="Zoé.Ärnt@contoso.example")
    query = Member.objects.filter(organization=org).filter(filter_to_q('userName eq "ZOé.Ärnt@CONTOSO.example"'))
    assert query.get() == zoe


def test_entra_matching_on_work_email_value_path_comparison(org, people):
    assert found(org, 'emails[type eq "work"].value eq "ALICE.MOREAU@contoso.example"') == [ALICE]


def test_entra_second_matching_attribute_external_id(org, people):
    assert found(org, 'externalId eq "alice"') == [ALICE]


def test_entra_legacy_read_by_id_and_unqualified_manager(org, people):
    chloe, alice = people["chloe"], people["alice"]
    assert found(org, f'id eq "{chloe.scim_id}" and manager eq "{alice.scim_id}"') == [CHLOE]
    assert found(org, f'id eq "{chloe.scim_id}" and manager eq "{people["bob"].scim_id}"') == []


def test_microsoft_legacy_unquoted_value_is_accepted(org, people):
    assert found(org, "externalId eq alice") == [ALICE]
    assert found(org, "userName eq bob@contoso.example") == [BOB]


def test_entra_string_boolean_in_active_filter(org, people):
    assert found(org, 'active eq "False"') == [BOB]
    assert found(org, "active eq True") == [ALICE, CHLOE]


def test_microsoft_postman_attribute_name_in_other_case(org, people):
    assert found(org, 'DisplayName eq "alice moreau"') == [ALICE]
    assert found(org, 'USERNAME Eq "bob@contoso.example"') == [BOB]


# --- each operator ----------------------------------------------------------------------------


def test_eq(org, people):
    assert found(org, 'title eq "field engineer"') == [ALICE]


def test_ne_keeps_people_without_a_value(org, people):
    assert found(org, 'title ne "Field Engineer"') == [BOB, CHLOE]


def test_co_is_case_insensitive_on_username(org, people):
    assert found(org, 'userName co "MOREAU"') == [ALICE]


def test_sw(org, people):
    assert found(org, 'userName sw "B"') == [BOB]


def test_ew(org, people):
    assert found(org, 'emails.value ew "@FABRIKAM.example"') == [CHLOE]


def test_pr_means_a_non_empty_value(org, people):
    assert found(org, "title pr") == [ALICE, CHLOE]
    assert found(org, "emails pr") == [ALICE, CHLOE]


def test_gt_and_lt_compare_strings_lexicographically_ignoring_case(org, people):
    assert found(org, 'userName gt "BOB@contoso.example"') == [CHLOE]
    assert found(org, 'userName ge "BOB@contoso.example"') == [BOB, CHLOE]
    assert found(org, 'userName lt "b"') == [ALICE]
    assert found(org, 'userName le "BOB@contoso.example"') == [ALICE, BOB]


def test_meta_created_compares_chronologically(org, people):
    a_day_ago = timezone.now() - dt.timedelta(days=1)
    Member.objects.filter(pk=people["alice"].pk).update(created_at=a_day_ago)
    cutoff = (a_day_ago + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert found(org, f'meta.created lt "{cutoff}"') == [ALICE]
    assert found(org, f'meta.created ge "{cutoff}"') == [BOB, CHLOE]
    assert found(org, f'meta.created le "{cutoff}"') == [ALICE]
    assert found(org, f'meta.created gt "{cutoff}"') == [BOB, CHLOE]


def test_meta_last_modified_eq_without_fractions_matches_that_whole_second(org, people):
    moment = dt.datetime(2025, 1, 14, 9, 12, 3, 420000, tzinfo=dt.UTC)
    Member.objects.filter(pk=people["bob"].pk).update(updated_at=moment)
    assert found(org, 'meta.lastModified eq "2025-01-14T09:12:03Z"') == [BOB]
    assert found(org, 'meta.lastModified gt "2025-01-14T09:12:03Z"') == [ALICE, CHLOE]
    assert found(org, 'meta.lastModified eq "2025-01-14T09:12:03.420Z"') == [BOB]
    assert BOB not in found(org, 'meta.lastModified ne "2025-01-14T09:12:03Z"')


def test_bad_datetime_is_a_filter_error(people):
    with pytest.raises(FilterError, match="ISO 8601"):
        filter_to_q('meta.created gt "last tuesday"')


# --- logic and grouping -----------------------------------------------------------------------


def test_and(org, people):
    assert found(org, 'title pr and userName sw "c"') == [CHLOE]


def test_or(org, people):
    assert found(org, 'externalId eq "Bob" or externalId eq "chloe"') == [BOB, CHLOE]


def test_not(org, people):
    assert found(org, 'not (userName eq "bob@contoso.example")') == [ALICE, CHLOE]


def test_and_binds_tighter_than_or(org, people):
    # RFC 7644 §3.4.2.2: a or (b and c). The library alone would read (a or b) and c.
    assert found(org, 'externalId eq "Bob" or title pr and userName sw "c"') == [BOB, CHLOE]
    assert found(org, 'title pr and userName sw "c" or externalId eq "Bob"') == [BOB, CHLOE]


def test_parentheses_group(org, people):
    assert found(org, '(externalId eq "Bob" or title pr) and userName sw "c"') == [CHLOE]


def test_negated_value_path_includes_people_without_an_email(org, people):
    assert found(org, 'not (emails[value co "fabrikam"])') == [ALICE, BOB]


# --- value paths and the work email -----------------------------------------------------------


def test_value_path_with_work_type_and_value(org, people):
    assert found(org, 'emails[type eq "work" and value co "@contoso"]') == [ALICE]


def test_value_path_with_another_type_matches_nobody(org, people):
    assert found(org, 'emails[type eq "home"].value eq "alice.moreau@contoso.example"') == []
    assert found(org, 'emails[type eq "home"]') == []


def test_value_path_on_the_primary_email(org, people):
    assert found(org, 'emails[primary eq true].value eq "chloe.w@fabrikam.example"') == [CHLOE]


def test_emails_without_sub_attribute_means_the_value(org, people):
    assert found(org, 'emails eq "chloe.W@fabrikam.example"') == [CHLOE]
    assert found(org, 'emails.value eq "chloe.W@fabrikam.example"') == [CHLOE]


def test_email_sub_attribute_ne_needs_an_email_to_compare(org, people):
    assert found(org, 'emails.value ne "chloe.w@fabrikam.example"') == [ALICE]


# --- schema URNs and the enterprise extension -------------------------------------------------


def test_core_urn_qualified_attribute(org, people):
    assert found(org, f'{CORE}:userName eq "bob@contoso.example"') == [BOB]
    assert found(org, f'{CORE}:name.familyName eq "weber"') == [CHLOE]


def test_enterprise_department_is_case_insensitive_and_scoped(org, people):
    assert found(org, f'{ENTERPRISE}:department eq "customer success"') == [ALICE]
    assert found(org, f'{ENTERPRISE.upper()}:department eq "SUPPORT"') == [CHLOE]


def test_department_ne_keeps_people_without_a_department(org, people):
    assert found(org, f'{ENTERPRISE}:department ne "Support"') == [ALICE, BOB]


def test_enterprise_employee_number(org, people):
    assert found(org, f'{ENTERPRISE}:employeeNumber eq "e-20001"') == [CHLOE]


def test_enterprise_manager_by_id(org, people):
    alice = people["alice"]
    assert found(org, f'{ENTERPRISE}:manager eq "{alice.scim_id}"') == [BOB, CHLOE]
    assert found(org, f'{ENTERPRISE}:manager.value eq "{alice.scim_id}"') == [BOB, CHLOE]
    assert found(org, f"{ENTERPRISE}:manager pr") == [BOB, CHLOE]


def test_manager_of_another_tenant_finds_nobody(org, people):
    assert found(org, f'{ENTERPRISE}:manager eq "{people["twin"].scim_id}"') == []


def test_pre_2018_dotted_extension_attribute(org, people):
    assert found(org, f'{ENTERPRISE}.department eq "Support"') == [CHLOE]


def test_non_uuid_manager_finds_nobody(org, people):
    assert found(org, f'{ENTERPRISE}:manager eq "not-an-id"') == []


# --- id -------------------------------------------------------------------------------------------


def test_id_eq_finds_the_member_only_in_its_tenant(org, other_org, people):
    twin = people["twin"]
    assert found(other_org, f'id eq "{twin.scim_id}"') == [ALICE.lower()]
    assert found(org, f'id eq "{twin.scim_id}"') == []


def test_id_eq_a_non_uuid_finds_nobody(org, people):
    assert found(org, 'id eq "9f3b2c1e"') == []


def test_id_ne_a_non_uuid_is_everyone_in_the_tenant(org, people):
    assert found(org, 'id ne "9f3b2c1e"') == [ALICE, BOB, CHLOE]


def test_id_sw(org, people):
    prefix = str(people["bob"].scim_id)[:13]
    assert BOB in found(org, f'id sw "{prefix}"')


# --- tenant isolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "userName pr",
        'externalId eq "alice"',
        'not (userName eq "nobody@contoso.example")',
        'emails[type eq "work"]',
        f'{ENTERPRISE}:department eq "Customer Success"',
        'userName eq "x" or userName ne "x"',
    ],
)
def test_filters_never_return_another_organizations_people(org, people, expression):
    names = found(org, expression)
    assert names
    assert set(Member.objects.filter(organization=org).filter(filter_to_q(expression))) <= {
        people["alice"],
        people["bob"],
        people["chloe"],
    }


# --- values ---------------------------------------------------------------------------------------


def test_escaped_quote_in_a_value(org, people):
    odd = MemberFactory(organization=org, user_name='o"neil@contoso.example')
    assert list(
        Member.objects.filter(organization=org).filter(filter_to_q(r'userName eq "O\"Neil@contoso.example"'))
    ) == [odd]


def test_eq_null_means_no_value(org, people):
    assert found(org, "title eq null") == [BOB]
    assert found(org, f"{ENTERPRISE}:department eq null") == [BOB]


# --- errors ---------------------------------------------------------------------------------------


def test_unknown_attribute_is_an_error_that_lists_the_filterable_ones(db):
    with pytest.raises(FilterError) as error:
        filter_to_q('favouriteColour eq "Teal"')
    assert 'Unknown attribute "favouriteColour"' in error.value.detail
    assert "userName" in error.value.detail


def test_unknown_schema_is_an_error(db):
    with pytest.raises(FilterError, match="Unknown schema"):
        filter_to_q('urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode eq "x"')


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "userName",
        'userName eq "unterminated',
        'userName regex "a.*"',
        "((userName pr)",
        'userName eq "a" and',
    ],
)
def test_unparseable_filters_are_errors(db, garbage):
    with pytest.raises(FilterError):
        filter_to_q(garbage)


def test_gt_on_a_boolean_is_an_error(db):
    with pytest.raises(FilterError, match='"gt" is not supported on "active"'):
        filter_to_q("active gt true")


def test_boolean_compared_with_a_word_is_an_error(db):
    with pytest.raises(FilterError, match="boolean"):
        filter_to_q('active eq "yes"')


def test_string_compared_with_a_boolean_is_an_error(db):
    with pytest.raises(FilterError, match="string"):
        filter_to_q("title eq true")


def test_filter_error_is_a_value_error_with_a_detail(db):
    with pytest.raises(ValueError):
        filter_to_q("garbage !!")


# --- sortBy -------------------------------------------------------------------------------------


def test_sort_field_maps_scim_names_case_insensitively(db):
    assert sort_field("userName") == "user_name"
    assert sort_field("USERNAME") == "user_name"
    assert sort_field(f"{CORE}:name.familyName") == "family_name"
    assert sort_field("meta.lastModified") == "updated_at"
    assert sort_field("emails") == sort_field("emails.value") == "email"


def test_every_sortable_field_orders_a_query(org, people):
    for attribute in SORTABLE:
        list(Member.objects.filter(organization=org).order_by(sort_field(attribute)))


def test_sort_field_rejects_unknown_attributes(db):
    with pytest.raises(ValueError, match="sortable attributes are userName"):
        sort_field("nickName")


# --------------------------------------------------------------------------------------------
# Filters do bounded work: capped length, terms and nesting, and no value that breaks the database.
#
# 240 ANDed ``emails[...]`` terms once took PostgreSQL 30 s to plan, a thousand ORs or nested
# parentheses exhausted Python's recursion limit, and dates at the calendar's edge, a lone
# surrogate or U+0000 in an id comparison answered 500. Each is now a SCIM 400 (or, for an
# id no member can have, an empty match).
# --------------------------------------------------------------------------------------------


def email_terms(count: int) -> str:
    return " and ".join(f'emails[type eq "work" and value co "{i}"]' for i in range(count))


@pytest.mark.django_db
def test_a_filter_of_four_hundred_email_terms_through_search_is_refused(org, scim, grace):
    before = directory(org)

    response = scim.post("/Users/.search", {"filter": email_terms(400)})

    assert "characters" in scim_error(response, 400, "invalidFilter")["detail"]
    assert directory(org) == before


@pytest.mark.django_db
def test_a_short_filter_of_too_many_terms_is_refused(scim, grace):
    expression = " or ".join(f'title eq "{i}"' for i in range(60))

    response = scim.get("/Users", {"filter": expression})

    assert "terms" in scim_error(response, 400, "invalidFilter")["detail"]


@pytest.mark.django_db
def test_a_filter_of_a_thousand_ors_through_search_is_refused(scim, grace):
    expression = " or ".join('userName eq "a"' for _ in range(1_000))

    response = scim.post("/Users/.search", {"filter": expression})

    scim_error(response, 400, "invalidFilter")


@pytest.mark.django_db
def test_a_filter_nested_in_a_thousand_parentheses_is_refused(scim, grace):
    expression = "(" * 1_000 + 'userName eq "a"' + ")" * 1_000

    response = scim.post("/Users/.search", {"filter": expression})

    scim_error(response, 400, "invalidFilter")


@pytest.mark.django_db
def test_a_filter_nested_in_twenty_parentheses_is_refused_for_its_depth(scim, grace):
    expression = "(" * 20 + 'userName eq "a"' + ")" * 20

    response = scim.get("/Users", {"filter": expression})

    assert "nest" in scim_error(response, 400, "invalidFilter")["detail"]


@pytest.mark.django_db
def test_a_filter_entra_sends_is_well_inside_the_caps(scim, grace):
    expression = f'id eq "{grace["id"]}" and manager eq "{grace["id"]}"'

    response = scim.get("/Users", {"filter": expression})

    assert response.status_code == 200, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "expression",
    [
        'meta.lastModified gt "9999-12-31T23:59:59Z"',
        'meta.created le "9999-12-31T23:59:59Z"',
        'meta.lastModified lt "9999-12-31T23:59:59-05:00"',
        'meta.created ge "0001-01-01T00:00:00+05:00"',
    ],
)
def test_a_date_at_the_edge_of_the_calendar_in_a_filter_is_refused(scim, grace, expression):
    assert "year" in scim_error(scim.get("/Users", {"filter": expression}), 400, "invalidFilter")["detail"]


@pytest.mark.django_db
def test_an_id_containing_a_nul_character_finds_nobody(scim, grace):
    response = scim.get("/Users", {"filter": 'id co "\\u0000"'})

    assert response.status_code == 200, response.content
    assert response.json()["totalResults"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("expression", ['userName eq "\\ud800"', 'emails[value co "\\udfff"]'])
def test_a_filter_with_a_lone_surrogate_is_refused(scim, grace, expression):
    assert "surrogate" in scim_error(scim.get("/Users", {"filter": expression}), 400, "invalidFilter")["detail"]


@pytest.mark.django_db
def test_a_search_body_with_a_lone_surrogate_in_its_filter_is_refused(scim, grace):
    response = scim.send("POST", "/Users/.search", raw='{"filter": "userName eq \\"\\ud800\\""}')

    assert "surrogate" in scim_error(response, 400)["detail"]
