"""Pages for the admin portal and Django admin when the database or the shared cache is out of reach."""

import logging
from collections.abc import Callable

import redis
from csp.middleware import CSPMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Seconds a browser (or a script) is asked to wait before retrying; RFC 9110 §10.2.3.
RETRY_AFTER = 30


class DatabaseUnavailableMiddleware:
    """Answer 503 with a page saying to retry, not a bare 500, when a view loses the database.

    Refused or dropped connections and the connect, statement and lock timeouts all raise
    OperationalError or InterfaceError. The shared cache (Redis, which holds the sign-in
    lockouts) being down raises redis' ConnectionError or TimeoutError from django-axes:
    signing in then waits for it rather than skipping the lockout. The page is rendered
    without the request, so neither the session nor the signed-in user is looked up again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError | redis.ConnectionError | redis.TimeoutError):
            return None
        logger.warning("Database or cache unavailable for %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response


# A JSON answer loads nothing and is framed by nobody: the strictest policy there is.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy on pages, and one fixed policy on the SCIM API's JSON answers.

    django-csp builds its header from the settings on every response (twice: enforced and
    report-only), about 0.1 ms of CPU each time; SCIM answers are the bulk of all requests
    and need no page's policy, so they get ``API_POLICY`` as it is.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.path_info.startswith("/api/"):
            response.headers.setdefault("Content-Security-Policy", API_POLICY)
            return response
        return super().process_response(request, response)
