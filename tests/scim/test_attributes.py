"""The one attribute table (scim/attributes.py) and the client quirks of naming attributes."""

import pytest
from django.core.exceptions import FieldDoesNotExist

from organizations.models import Member
from scim import attributes
from scim.attributes import ENTERPRISE_USER, PathError, as_bool, parse_path
from scim.filters import filter_to_q
from scim.patch import apply_patch

ENTERPRISE_DEPARTMENT_PRE_2018 = f"{ENTERPRISE_USER}.department"


def names(text: str) -> tuple[str | None, str | None, str | None]:
    path = parse_path(text)
    return path.schema, path.attribute, path.sub_attribute


@pytest.mark.parametrize("sent", ["True", "true", "TRUE", " True ", True])
def test_entra_string_true_reads_as_true(sent):
    assert as_bool(sent) is True


@pytest.mark.parametrize("sent", ["False", "false", "FALSE", False])
def test_entra_string_false_reads_as_false(sent):
    assert as_bool(sent) is False


@pytest.mark.parametrize("sent", ["yes", "1", 1, 0, None, "", [True]])
def test_anything_else_is_no_boolean(sent):
    assert as_bool(sent) is None


def test_entra_pre_2018_dotted_extension_path_names_the_enterprise_attribute():
    assert names(ENTERPRISE_DEPARTMENT_PRE_2018) == (ENTERPRISE_USER, "department", None)


def test_entra_pre_2018_dotted_extension_reads_the_same_in_a_patch_and_in_a_filter(org):
    patched = apply_patch(
        {"userName": "a@acme.example"},
        {"Operations": [{"op": "replace", "path": ENTERPRISE_DEPARTMENT_PRE_2018, "value": "Sales"}]},
    )
    assert patched[ENTERPRISE_USER] == {"department": "Sales"}
    assert str(filter_to_q(f'{ENTERPRISE_DEPARTMENT_PRE_2018} eq "Sales"')) == str(
        filter_to_q(f'{ENTERPRISE_USER}:department eq "Sales"')
    )


def test_microsoft_unqualified_manager_path_is_the_enterprise_manager():
    assert names("manager") == (ENTERPRISE_USER, "manager", None)
    assert names("manager.value") == (ENTERPRISE_USER, "manager", "value")


def test_paths_take_the_tables_spelling_and_keep_unknown_names_as_sent():
    assert names("NAME.GIVENNAME") == (None, "name", "givenName")
    assert names("urn:ietf:params:scim:schemas:core:2.0:User:Title") == (None, "title", None)
    assert names("favouriteColour") == (None, "favouriteColour", None)


def test_an_unparseable_path_says_what_paths_look_like():
    with pytest.raises(PathError, match="paths look like"):
        parse_path("emails[type eq")


def test_a_cached_value_path_filter_is_not_changed_by_applying_it():
    text = 'emails[type eq "work"].value'
    before = repr(parse_path(text).value_filter.expr.comp_value.value)
    for value in ("first@acme.example", "second@acme.example"):
        apply_patch({"userName": "a"}, {"Operations": [{"op": "add", "path": text, "value": value}]})
    assert parse_path(text) is parse_path(text)
    assert repr(parse_path(text).value_filter.expr.comp_value.value) == before == "'work'"


def test_two_filters_of_one_shape_keep_their_own_values(org):
    first, second = filter_to_q('userName eq "first@acme.example"'), filter_to_q('userName eq "second@acme.example"')
    assert "first@acme.example" in str(first) and "second@acme.example" in str(second)


def test_every_field_the_table_names_is_a_field_of_member():
    for _schema, rows in attributes.SCHEMAS.items():
        for a in rows:
            for target in (a, *a.sub_attributes):
                for name in (target.field, target.sort_field):
                    if name is not None:
                        try:
                            Member._meta.get_field(name)
                        except FieldDoesNotExist:
                            pytest.fail(f"{a.name}.{target.name} names {name}, which Member does not have")
