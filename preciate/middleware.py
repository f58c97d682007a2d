"""Pages for the admin portal and Django admin when the database or the shared cache is out of reach."""

import logging
from collections.abc import Callable

import redis
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
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
