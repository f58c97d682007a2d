"""The portal and Django admin say "temporarily unavailable, try again" when the database is out of reach.

The database driver is not our code: Django's cursor is made to fail the way a refused
connection does (OperationalError) or the way a broken query does (ProgrammingError).
"""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, ProgrammingError
from django.db.backends.utils import CursorWrapper
from django.test import Client

REFUSED = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Preciate is temporarily unavailable" in page
    assert "try again" in page.lower()
    assert "/static/css/app.css" in page  # the portal's own look, not a bare error


@pytest.mark.parametrize("path", ["/web/admin/", "/web/admin/people", "/web/login"])
def test_a_signed_in_admin_sees_the_unavailable_page_when_the_database_is_down(admin_client, path):
    with mock.patch.object(CursorWrapper, "execute", side_effect=REFUSED):
        response = admin_client.get(path)
    assert_unavailable_page(response)


def test_signing_in_while_the_database_is_down_shows_the_unavailable_page(admin):
    with mock.patch.object(CursorWrapper, "execute", side_effect=REFUSED):
        response = Client().post("/web/login", {"username": admin.user.username, "password": "whatever"})
    assert_unavailable_page(response)


def test_support_sees_the_unavailable_page_in_django_admin_when_the_database_is_down(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("support@preciate.example", "s@p.example", "pw"))
    with mock.patch.object(CursorWrapper, "execute", side_effect=REFUSED):
        response = client.get("/admin/organizations/member/")
    assert_unavailable_page(response)


def test_an_unexpected_error_shows_preciates_own_error_page(admin_client):
    admin_client.raise_request_exception = False
    with mock.patch.object(CursorWrapper, "execute", side_effect=ProgrammingError("column does not exist")):
        response = admin_client.get("/web/admin/people")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "/static/css/app.css" in page
    assert "column does not exist" not in page


# Nothing listens on port 1: a Redis client gets "connection refused" at once, as when the
# shared cache that holds the sign-in lockouts is down.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_signing_in_while_the_shared_cache_is_down_shows_the_unavailable_page(admin, settings):
    settings.CACHES = UNREACHABLE_REDIS
    client = Client()
    client.raise_request_exception = False
    response = client.post("/web/login", {"username": admin.user.username, "password": "correct horse battery"})
    assert_unavailable_page(response)
