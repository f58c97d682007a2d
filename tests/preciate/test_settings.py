"""What preciate/settings.py configures. SECRET_KEY: the README's management commands run in a
fresh clone with no environment; nothing that serves requests (or `check --deploy`) starts without a real key.

Each case runs the command in a subprocess, in a copy of the repository as a fresh clone
has it (no .env, no db.sqlite3), with SECRET_KEY, DEBUG and DATABASE_URL removed from the
environment unless the case sets them.
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from keys.models import ScimKey

REPO = Path(__file__).resolve().parents[2]
MISSING_KEY = "Set the SECRET_KEY environment variable"


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = tmp_path_factory.mktemp("clone")
    for name in ("manage.py", "gunicorn.conf.py"):
        shutil.copy(REPO / name, clone / name)
    for name in ("preciate", "organizations", "keys", "scim", "templates", "static"):
        shutil.copytree(REPO / name, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
    return clone


def run(clone: Path, *argv: str, **environment: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(environment)
    try:
        return subprocess.run(argv, cwd=clone, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as timeout:
        pytest.fail(f"{' '.join(argv)} started instead of refusing: {timeout.stderr!r}")


def manage(clone: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
    return run(clone, sys.executable, "manage.py", *arguments, **environment)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    "arguments",
    [("check",), ("issue_scim_key", "--help"), ("simulate_idp", "--help")],
    ids=["check", "issue_scim_key", "simulate_idp"],
)
def test_the_readmes_management_commands_run_after_make_run_with_no_environment(fresh_clone: Path, arguments):
    result = manage(fresh_clone, *arguments)
    assert result.returncode == 0, result.stderr
    assert MISSING_KEY not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "environment"),
    [
        (("check", "--deploy"), {}),
        (("check",), {"DEBUG": "false"}),
        (("issue_scim_key", "--help"), {"DEBUG": "false"}),
        (("check",), {"DATABASE_URL": "sqlite:///elsewhere.sqlite3"}),
        (("runserver", "--noreload", "127.0.0.1:{port}"), {}),
    ],
    ids=["check-deploy", "debug-false", "command-with-debug-false", "database-url-set", "runserver"],
)
def test_a_management_command_outside_a_fresh_clone_refuses_to_start_without_a_secret_key(
    fresh_clone: Path, arguments, environment
):
    arguments = tuple(argument.format(port=free_port()) for argument in arguments)
    result = manage(fresh_clone, *arguments, **environment)
    assert result.returncode != 0
    assert MISSING_KEY in result.stderr


def test_gunicorn_refuses_to_start_without_a_secret_key(fresh_clone: Path):
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    result = run(fresh_clone, gunicorn, "--check-config", "-c", "gunicorn.conf.py")
    assert result.returncode != 0
    assert MISSING_KEY in result.stdout + result.stderr


# --------------------------------------------------------------------------------------------
# Response headers: a Content-Security-Policy everywhere, and no caching of personal data.
# --------------------------------------------------------------------------------------------


PORTAL_PAGES = [
    "/web/admin/",
    "/web/admin/people",
    "/web/admin/people?q=ada",
    "/web/admin/people/new",
    "/web/admin/people/{person}",
    "/web/admin/provisioning",
    "/web/admin/reports",
    "/web/admin/reports.csv",
    "/web/admin/keys",
]


def directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_every_portal_page_forbids_inline_scripts_and_framing(admin_client, admin, url):
    response = admin_client.get(url.format(person=admin.scim_id))

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_scim_answers_carry_the_strictest_policy_as_json_needs_nothing(scim):
    for response in (scim.get("/ServiceProviderConfig"), scim.get("/Users/not-an-id")):
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_no_portal_page_with_personal_data_may_be_cached(admin_client, admin, url):
    response = admin_client.get(url.format(person=admin.scim_id))

    cache_control = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= cache_control


def test_a_person_saved_in_the_portal_answers_uncached_too(admin_client, admin):
    response = admin_client.post(f"/web/admin/people/{admin.scim_id}", {"user_name": admin.user_name})

    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("url", ["/web/login", "/admin/login/", "/healthz"])
def test_pages_without_a_sign_in_send_the_policy_too(client, db, url):
    response = client.get(url)

    assert directives(response)["script-src"] == ["'self'"]
    assert directives(response)["frame-ancestors"] == ["'none'"]


def test_a_support_login_without_a_membership_never_reaches_the_integrations_page(org):
    support = get_user_model().objects.create_user("sam@preciate.example", password="pw", is_staff=True)
    client = Client()
    client.force_login(support)

    page = client.get("/web/admin/keys")
    generate = client.post("/web/admin/keys/generate")

    assert page.status_code == 302
    assert page.url.startswith("/web/login")
    assert generate.status_code == 302
    assert not ScimKey.objects.exists()
