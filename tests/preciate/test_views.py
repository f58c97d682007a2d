"""/healthz (preciate/views.py): what the load balancer asks."""

from unittest import mock

from django.db.utils import OperationalError
from django.test import Client


def test_healthz_answers_200_when_the_database_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_answers_503_when_the_database_does_not(db):
    # The database driver is not our code: make it fail the way a dead server does.
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
