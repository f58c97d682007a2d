"""scim/openapi.yaml and scim/urls.py describe the same endpoint: no route or method drifts."""

import re

from django.urls import resolve

from scim import urls as scim_urls
from tests.fuzz.spec import BASE, METHODS, spec

# Answers a SCIM 404 for any other path under the base; a path template cannot express it,
# so the description says it in words (info.description) instead.
CATCH_ALL = "scim-not-found"


def resolved(spec_path: str):
    return resolve(BASE + re.sub(r"\{[^}]+\}", "some-id", spec_path))


def handled_methods(view_class: type) -> set[str]:
    # HEAD and OPTIONS come from Django and DRF for every view; they are not SCIM operations.
    return {method for method in METHODS if hasattr(view_class, method)}


def test_every_path_of_the_description_is_served_by_its_own_route_with_exactly_its_methods():
    for path, item in spec()["paths"].items():
        match = resolved(path)
        assert match.url_name != CATCH_ALL, f"{path} is described but only the catch-all 404 serves it"
        described = {method for method in item if method in METHODS}
        assert described == handled_methods(match.func.view_class), path


def test_every_route_of_the_scim_urls_is_described():
    described = {resolved(path).url_name for path in spec()["paths"]}
    routes = {pattern.name for pattern in scim_urls.urlpatterns} - {CATCH_ALL}
    assert routes - described == set(), "routes missing from scim/openapi.yaml"


def test_every_route_answers_with_and_without_a_trailing_slash():
    for path in spec()["paths"]:
        concrete = BASE + re.sub(r"\{[^}]+\}", "some-id", path)
        assert resolve(concrete).url_name == resolve(concrete + "/").url_name, path


def test_every_operation_documents_an_error_for_a_missing_key_and_for_an_unavailable_database():
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                assert {"401", "429", "503"} <= set(operation["responses"]), f"{method.upper()} {path}"


def test_no_operation_documents_a_server_error():
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                codes = set(operation["responses"])
                assert not {code for code in codes if code.startswith("5")} - {"501", "503"}, f"{method.upper()} {path}"
