"""The SCIM error object (RFC 7644 §3.12) and the one handler that produces it for every failure."""

import logging
from typing import Any

import psycopg
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from organizations.services import UserNameTaken
from scim.filters import FilterError
from scim.patch import PatchError
from scim.schemas import ERROR

logger = logging.getLogger(__name__)

# The database refusing, timing out (connect_timeout, statement_timeout, lock_timeout) or
# dropping the connection: transient, and the request's transaction was rolled back.
# Django wraps the driver's errors in its own; the driver's are listed for any that escape.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
# Seconds an IdP is asked to wait before retrying a request the database could not serve.
DATABASE_RETRY_AFTER = 30


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def _as_scim_error(exc: Exception) -> ScimError:
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, UserNameTaken):
        return ScimError(409, " ".join(exc.messages), "uniqueness")
    if isinstance(exc, PatchError):
        return ScimError(400, exc.detail, exc.scim_type)
    if isinstance(exc, FilterError):
        return ScimError(400, exc.detail, "invalidFilter")
    if isinstance(exc, ValidationError):
        return ScimError(400, " ".join(exc.messages), "invalidValue")
    if isinstance(exc, RequestDataTooBig):
        # Django's own limit, should anything read the whole body before the SCIM parser.
        return ScimError(413, "The request body is larger than Preciate's SCIM endpoint accepts (1 MiB).")
    if isinstance(exc, Http404):
        return ScimError(404, "Resource not found.")
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        detail = exc.detail if isinstance(exc, exceptions.AuthenticationFailed) else None
        return ScimError(
            401,
            str(detail)
            if detail
            else "Missing bearer token: send the secret key from Preciate's Integrations page as "
            "'Authorization: Bearer <key>'.",
        )
    if isinstance(exc, exceptions.ParseError):
        return ScimError(400, "The request body is not valid JSON.", "invalidSyntax")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return ScimError(405, f"{exc.detail} This SCIM endpoint does not support it.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return ScimError(415, "Send the request body as application/scim+json or application/json.")
    if isinstance(exc, exceptions.APIException):
        return ScimError(exc.status_code, str(exc.detail))
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("Database unavailable during a SCIM request: %s", exc)
        return ScimError(
            503,
            "Preciate's database is temporarily unavailable, so this request was not completed. Retry it shortly.",
        )
    logger.exception("Unhandled error in a SCIM request")
    return ScimError(500, "Preciate could not complete this request; it has been logged and nothing was changed.")


def scim_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Turn any failure into a SCIM error response; never leak internals."""
    error = _as_scim_error(exc)
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="Preciate SCIM"'
    # Throttled sets ``wait`` in __init__ (seconds, rounded up); its stubs do not declare it.
    wait: int | None = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        headers["Retry-After"] = str(wait)
    if error.status == 503:
        # RFC 9110 §10.2.3: when the IdP may retry; the outage is expected to be brief.
        headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return Response(error_body(error.status, error.detail, error.scim_type), status=error.status, headers=headers)
