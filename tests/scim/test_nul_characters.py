"""A NUL character from the IdP is a 400 invalidValue or an empty match, never a 500.

PostgreSQL text cannot hold U+0000: psycopg raises DataError, which reaches the SCIM
handler's last resort as a 500 (Entra retries it every 40 minutes). SQLite stores it.
"""

import pytest

from organizations.models import Member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "expression",
    ['userName eq "\\u0000"', 'emails.value eq "a\\u0000@acme.example"', 'externalId sw "\\u0000"'],
)
def test_a_filter_with_a_nul_character_finds_nobody(scim, expression):
    response = scim.get("/Users", {"filter": expression})

    assert response.status_code == 200, response.content
    assert response.json()["totalResults"] == 0


def test_a_user_name_with_a_nul_character_is_refused_with_a_scim_error(org, scim):
    response = scim.post("/Users", {"userName": "bad\u0000@acme.example"})

    assert response.status_code == 400, response.content
    assert response.json()["scimType"] == "invalidValue"
    assert not Member.objects.filter(organization=org).exists()
