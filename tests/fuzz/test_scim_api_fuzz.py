"""schemathesis drives /api/v1/scim in-process, from the shipped description, as a hostile IdP would.

Every generated request goes through the whole Django stack (middleware, DRF, the services,
the database) with a live key for one organization. Each answer must be no server error,
and must be one the description documents (status, content type, headers, body schema).
A second organization's person is planted alongside: no answer may ever mention them.
"""

import json
import logging
import os
import uuid
import zlib
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.checks import max_response_time, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from keys.services import regenerate_key
from organizations.models import Member, Organization
from organizations.services import Actor, provision_member
from scim.users import from_resource
from tests.factories import OrganizationFactory
from tests.fuzz.harness import COLLECT, LONG, REQUESTS_PER_OPERATION, TALLY, ExceptionCatcher, budget, traceback_head
from tests.fuzz.spec import BASE, SPEC_PATH
from tests.scim.helpers import payload

schema = schemathesis.openapi.from_path(SPEC_PATH)
if os.environ.get("FUZZ_OPERATIONS"):
    # e.g. FUZZ_OPERATIONS="PATCH /Users" to spend a long run's time on one operation.
    schema = schema.include(name_regex=os.environ["FUZZ_OPERATIONS"])
schema.config.generation.update(max_examples=REQUESTS_PER_OPERATION)
# The coverage phase walks every boundary of every parameter deterministically: hundreds of
# requests per operation whatever the budget, so only the long run takes it.
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"] if LONG else ["examples", "fuzzing"])


def not_a_server_error_beyond_a_documented_501(
    ctx: Any, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A 5xx is a failure, except the 501 that Groups writes answer by design (and document)."""
    if response.status_code == 501 and "501" in case.operation.definition.raw["responses"]:
        return
    not_a_server_error(ctx, response, case)


CHECKS = [
    not_a_server_error_beyond_a_documented_501,
    # No stall: 10 s, schemathesis' default, is far above any honest request's time here.
    max_response_time,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
APP = get_wsgi_application()
# The test client's host name; Django's test settings allow it.
BASE_URL = f"http://testserver{BASE}"


class Directory:
    """One organization with a live key and a realistic person to aim writes at; and an outsider."""

    def __init__(self) -> None:
        self.org = OrganizationFactory(slug="fuzz", name="Fuzz Corp")
        self.key = regenerate_key(self.org, by=Actor.command("fuzz"))
        outsider_org = OrganizationFactory(slug="outsider", name="Outsider Inc")
        outsider = self.provision(outsider_org, "olga.outsider@outsider.example")
        self.secrets = [str(outsider.scim_id), outsider.user_name]
        self.generation = 0
        self.person = self.provision(self.org, "alice@contoso.example")

    def provision(self, organization: Organization, user_name: str) -> Member:
        resource = {**payload("entra_create_user_default_mappings"), "userName": user_name}
        member, _ = provision_member(organization, from_resource(organization, resource), by=Actor.command("fuzz"))
        return member

    def live_person_id(self) -> str:
        """The person's id, provisioning another when a generated DELETE retired the last one."""
        if not Member.objects.scim_visible().filter(pk=self.person.pk).exists():
            self.generation += 1
            self.person = self.provision(self.org, f"alice.{self.generation}@contoso.example")
        return str(self.person.scim_id)


@pytest.fixture
def directory(transactional_db) -> Directory:
    return Directory()


@pytest.fixture
def exceptions():
    catcher = ExceptionCatcher()
    loggers = [logging.getLogger(name) for name in ("scim", "django.request", "organizations", "keys")]
    for logger in loggers:
        logger.addHandler(catcher)
    yield catcher
    for logger in loggers:
        logger.removeHandler(catcher)


def describe(case: schemathesis.Case) -> str:
    body = case.body if not isinstance(case.body, schemathesis.core.NotSet) else None
    text = json.dumps(body, ensure_ascii=True)[:600] if body is not None else ""
    return f"{case.method} {case.formatted_path} query={case.query!r} headers={dict(case.headers or {})!r} body={text}"


@schema.parametrize()
@budget(REQUESTS_PER_OPERATION, shared_fixtures=True)
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case, directory: Directory, exceptions: ExceptionCatcher
):
    if "scim_id" in (case.path_parameters or {}):
        # A random id is a 404; aim seven requests in eight at a real person, where the work happens.
        if zlib.crc32(str(case.path_parameters["scim_id"]).encode()) % 8:
            case.path_parameters["scim_id"] = directory.live_person_id()
    headers = {"Authorization": f"Bearer {directory.key}", "User-Agent": "Azure AD Provisioning (fuzz)"}
    label = f"{case.operation.method.upper()} {case.operation.path}"
    TALLY.requests[label] += 1
    try:
        response = case.call(base_url=BASE_URL, headers=headers, app=APP)
    except Exception as exc:
        # The WSGI app itself raised: worse than a 500.
        TALLY.fail(label, f"raised {type(exc).__name__}", describe(case) + "\n" + traceback_head(str(exc)))
        if not COLLECT:
            raise
        return
    TALLY.statuses[response.status_code] += 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": APP})
        for secret in directory.secrets:
            assert secret not in response.text, f"another organization's {secret!r} leaked into {label}"
    except (AssertionError, schemathesis.errors.FailureGroup) as exc:
        if not COLLECT:
            raise
        cause = traceback_head(exceptions.take())
        what = f"{response.status_code} {cause.splitlines()[-1] if cause else type(exc).__name__}"
        TALLY.fail(label, what, describe(case) + "\n" + (cause or str(exc)[:800]))
    exceptions.take()


def test_the_planted_outsider_is_a_real_person_of_another_organization(directory: Directory):
    # Guards the leak check above: it must look for something that exists.
    assert Member.objects.exclude(organization=directory.org).filter(scim_id=uuid.UUID(directory.secrets[0])).exists()
