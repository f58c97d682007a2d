"""The framework floor: one bare Django view, no database, served by the same gunicorn config.

    DJANGO_SETTINGS_MODULE=benchmarks.floor_app .venv/bin/gunicorn -c gunicorn.conf.py \\
        benchmarks.floor_app:application

``benchmarks/bench.py`` replays the same request shapes against it as against Preciate
(the same paths, query strings, bodies and headers), so the CPU a request costs here is
what gunicorn, WSGI and Django's request/response cycle cost before any application code
runs. This module is its own settings module, URLconf and WSGI application. No middleware:
the floor is the framework, not the project's choice of middleware.
"""

import os

import environ
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import re_path

SECRET_KEY = "floor-benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, object]] = {}
# With FLOOR_STATEMENTS=N (bench.py --floor-statements N) each request also runs N ``SELECT 1``
# on a kept connection: the framework plus the round trips a SCIM request cannot do without.
STATEMENTS = int(os.environ.get("FLOOR_STATEMENTS", "0"))
if STATEMENTS:
    DATABASES = {"default": {**environ.Env().db("DATABASE_URL"), "CONN_MAX_AGE": 60}}
USE_TZ = True
LOGGING_CONFIG = None

# The shape of a SCIM list answer with one resource, so the client's filter check passes.
ANSWER = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 1,
    "Resources": [{"id": "00000000-0000-0000-0000-000000000000", "active": True}],
}


def answer(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Answer any method on any path with a small JSON body; 201 for POST, as a create would."""
    request.body  # noqa: B018 - read the body, as any view parsing a SCIM request must
    if STATEMENTS:
        with connection.cursor() as cursor:
            for _ in range(STATEMENTS):
                cursor.execute("SELECT 1")
                cursor.fetchone()
    return JsonResponse(ANSWER, status=201 if request.method == "POST" else 200)


urlpatterns = [re_path(r"^(?P<rest>.*)$", answer)]

application = get_wsgi_application()
