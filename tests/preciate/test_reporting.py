"""Error reports (preciate/reporting.py) never show the bearer key."""

from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from preciate.reporting import SecretsFilter


def test_an_error_report_never_shows_the_bearer_key(settings):
    request = RequestFactory().get("/api/v1/scim/Users", headers={"Authorization": "Bearer prc_" + "k" * 43})
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        report = ExceptionReporter(request, type(exc), exc, exc.__traceback__)
        text = report.get_traceback_text()
    assert isinstance(report.filter, SecretsFilter)
    assert "prc_" + "k" * 43 not in text
    assert "HTTP_AUTHORIZATION" in text
