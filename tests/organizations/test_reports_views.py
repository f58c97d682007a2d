"""Headcount reports: by department, by location, both, as charts, tables and CSV."""

import csv
import io

import pytest

from organizations import services
from organizations.models import Organization
from organizations.services import Actor, ProvisionedUser

SETUP = Actor.command("tests")


def person(organization: Organization, user_name: str, department: str = "", location: str = "", **extra) -> None:
    services.create_member(
        organization, by=SETUP, user_name=user_name, department=department, location=location, **extra
    )


@pytest.fixture
def acme_people(org: Organization) -> None:
    """Acme: 3 in Engineering (2 Lyon, 1 London), 1 in Sales (London), 1 with neither, and leavers."""
    person(org, "ada@acme.example", "Engineering", "Lyon")
    person(org, "grace@acme.example", "engineering", "Lyon")
    person(org, "alan@acme.example", "Engineering", "London")
    person(org, "kath@acme.example", "Sales", "London")
    person(org, "nobody@acme.example")
    removed = services.create_member(org, by=SETUP, user_name="gone@acme.example", department="Sales")
    services.remove_member(removed, by=SETUP)
    services.provision_member(
        org, ProvisionedUser(user_name="left@acme.example", active=False, values={"department": "Sales"}), by=SETUP
    )


@pytest.fixture
def globex_people(other_org: Organization) -> None:
    for n in range(4):
        person(other_org, f"g{n}@globex.example", "Globex Research", "Springfield")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_counts_present_people_by_department_with_unassigned(admin_client, acme_people, globex_people):
    response = admin_client.get("/web/admin/reports")
    assert response.status_code == 200
    by_department = {row.label: row.count for row in response.context["by_department"]}
    # The admin (Alice) and nobody@ have no department.
    assert by_department == {"Engineering": 3, "Sales": 1, "Unassigned": 2}
    assert response.context["total"] == 6


def test_it_counts_present_people_by_location(admin_client, acme_people, globex_people):
    by_location = {row.label: row.count for row in admin_client.get("/web/admin/reports").context["by_location"]}
    assert by_location == {"Lyon": 2, "London": 2, "Unassigned": 2}


def test_it_crosses_department_and_location(admin_client, acme_people):
    crosstab = admin_client.get("/web/admin/reports").context["crosstab"]
    columns = [label for _, label in crosstab["columns"]]
    assert columns == ["London", "Lyon", "Unassigned"]
    cells = {row["label"]: [value for _, value in row["values"]] for row in crosstab["rows"]}
    assert cells == {"Engineering": [1, 2, 0], "Sales": [1, 0, 0], "Unassigned": [0, 0, 2]}
    assert crosstab["column_totals"] == [2, 2, 2] and crosstab["total"] == 6


def test_another_organizations_people_never_show_in_reports(admin_client, acme_people, globex_people):
    html = admin_client.get("/web/admin/reports").content.decode()
    assert "Globex Research" not in html and "Springfield" not in html


def test_charts_are_inline_svg_drawn_on_the_server(admin_client, acme_people):
    html = admin_client.get("/web/admin/reports").content.decode()
    assert html.count('<svg class="chart hbar"') == 2
    assert "<script" not in html
    assert "Engineering: 3" in html  # each bar's tooltip


def test_rows_link_to_the_people_they_count(admin_client, org, acme_people):
    engineering = org.departments.get(name="Engineering")
    html = admin_client.get("/web/admin/reports").content.decode()
    assert f"/web/admin/people?department={engineering.pk}&amp;state=active" in html


@pytest.mark.parametrize("size", [5, 50])
def test_reports_cost_the_same_queries_for_5_or_50_people(org, admin_client, django_assert_max_num_queries, size):
    for n in range(size):
        person(org, f"p{n}@acme.example", f"D{n % 4}", f"L{n % 3}")
    with django_assert_max_num_queries(6):
        assert admin_client.get("/web/admin/reports").status_code == 200
    # One grouped count over the ids plus the department and location names.
    with django_assert_max_num_queries(6):
        assert admin_client.get("/web/admin/reports.csv?by=department_location").status_code == 200


# -- CSV ------------------------------------------------------------------------------------


def test_csv_by_department_is_an_attachment_with_one_row_per_department(admin_client, acme_people, globex_people):
    response = admin_client.get("/web/admin/reports.csv", {"by": "department"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-headcount-by-department-')
    assert csv_rows(response) == [
        ["department", "headcount"],
        ["Engineering", "3"],
        ["Unassigned", "2"],
        ["Sales", "1"],
    ]


def test_csv_by_location(admin_client, acme_people, globex_people):
    rows = csv_rows(admin_client.get("/web/admin/reports.csv", {"by": "location"}))
    assert rows[0] == ["location", "headcount"]
    assert sorted(rows[1:]) == [["London", "2"], ["Lyon", "2"], ["Unassigned", "2"]]


def test_csv_by_department_and_location(admin_client, acme_people, globex_people):
    response = admin_client.get("/web/admin/reports.csv", {"by": "department_location"})
    assert 'filename="acme-headcount-by-department-location-' in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["department", "location", "headcount"],
        ["Engineering", "London", "1"],
        ["Engineering", "Lyon", "2"],
        ["Sales", "London", "1"],
        ["Unassigned", "Unassigned", "2"],
    ]


def test_csv_defaults_to_departments_and_refuses_an_unknown_grouping(admin_client, acme_people):
    assert csv_rows(admin_client.get("/web/admin/reports.csv"))[0] == ["department", "headcount"]
    assert admin_client.get("/web/admin/reports.csv", {"by": "salary"}).status_code == 400


def test_csv_never_contains_another_organizations_people(other_admin_client, acme_people, globex_people):
    rows = csv_rows(other_admin_client.get("/web/admin/reports.csv", {"by": "department_location"}))
    assert rows[1:] == [["Globex Research", "Springfield", "4"], ["Unassigned", "Unassigned", "1"]]


def test_csv_keeps_a_department_named_like_a_formula_from_running_in_a_spreadsheet(org, admin_client):
    person(org, "eve@acme.example", '=HYPERLINK("http://evil.example")')
    rows = csv_rows(admin_client.get("/web/admin/reports.csv"))
    assert ['\'=HYPERLINK("http://evil.example")', "1"] in rows
