"""/Schemas lists the whole RFC 7643 User (§4.1, §8.7.1) and enterprise extension (§4.3), and all of it works.

Every attribute listed round-trips exactly, is patched by path and by value filter, is
projected by ``attributes``/``excludedAttributes``, and either filters and sorts or says
clearly that it cannot. The other organization's people stay invisible throughout.
"""

from typing import Any

import pytest

from organizations.models import Member
from tests.scim.helpers import patch_op, payload, scim_error

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# RFC 7643 §8.7.1 and §8.7.2, attribute by attribute: (type, multiValued, mutability, returned,
# uniqueness, caseExact or None where the type has none).
RW, DEFAULT = "readWrite", "default"
SIMPLE = ("string", False, RW, DEFAULT, "none", False)
PLURAL = ("complex", True, RW, DEFAULT, "none", None)
RFC_CORE: dict[str, tuple[Any, ...]] = {
    "userName": ("string", False, RW, DEFAULT, "server", False),
    "name": ("complex", False, RW, DEFAULT, "none", None),
    "displayName": SIMPLE,
    "nickName": SIMPLE,
    "profileUrl": ("reference", False, RW, DEFAULT, "none", False),
    "title": SIMPLE,
    "userType": SIMPLE,
    "preferredLanguage": SIMPLE,
    "locale": SIMPLE,
    "timezone": SIMPLE,
    "active": ("boolean", False, RW, DEFAULT, "none", None),
    "password": ("string", False, "writeOnly", "never", "none", False),
    "emails": PLURAL,
    "phoneNumbers": PLURAL,
    "ims": PLURAL,
    "photos": PLURAL,
    "addresses": PLURAL,
    "groups": ("complex", True, "readOnly", DEFAULT, "none", None),
    "entitlements": PLURAL,
    "roles": PLURAL,
    "x509Certificates": PLURAL,
}
RFC_SUB_ATTRIBUTES = {
    "name": {"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"},
    "emails": {"value", "display", "type", "primary"},
    "phoneNumbers": {"value", "display", "type", "primary"},
    "ims": {"value", "display", "type", "primary"},
    "photos": {"value", "display", "type", "primary"},
    "addresses": {"formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary"},
    "groups": {"value", "$ref", "display", "type"},
    "entitlements": {"value", "display", "type", "primary"},
    "roles": {"value", "display", "type", "primary"},
    "x509Certificates": {"value", "display", "type", "primary"},
}
RFC_CANONICAL_TYPES = {
    "emails": ["work", "home", "other"],
    "phoneNumbers": ["work", "home", "mobile", "fax", "pager", "other"],
    "ims": ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
    "photos": ["photo", "thumbnail"],
    "addresses": ["work", "home", "other"],
    "groups": ["direct", "indirect"],
}
RFC_ENTERPRISE = {"employeeNumber", "costCenter", "organization", "division", "department", "manager"}


def schema(scim, urn: str) -> dict[str, dict[str, Any]]:
    response = scim.get(f"/Schemas/{urn}")
    assert response.status_code == 200
    return {a["name"]: a for a in response.json()["attributes"]}


def characteristics(attribute: dict[str, Any]) -> tuple[Any, ...]:
    return (
        attribute["type"],
        attribute["multiValued"],
        attribute["mutability"],
        attribute["returned"],
        attribute["uniqueness"],
        attribute.get("caseExact"),
    )


# --- discovery ------------------------------------------------------------------------------------


def test_the_core_user_schema_lists_every_rfc_attribute_with_its_characteristics(scim):
    listed = schema(scim, CORE)
    for name, expected in RFC_CORE.items():
        assert name in listed, name
        assert characteristics(listed[name]) == expected, name
    for name, subs in RFC_SUB_ATTRIBUTES.items():
        assert {s["name"] for s in listed[name]["subAttributes"]} == subs, name


def test_each_multi_valued_type_lists_the_rfcs_canonical_values(scim):
    listed = schema(scim, CORE)
    for name, values in RFC_CANONICAL_TYPES.items():
        type_ = next(s for s in listed[name]["subAttributes"] if s["name"] == "type")
        assert type_["canonicalValues"] == values, name


def test_references_name_what_they_point_to_and_certificates_are_binary(scim):
    listed = schema(scim, CORE)
    assert listed["profileUrl"]["referenceTypes"] == ["external"]
    photo = {s["name"]: s for s in listed["photos"]["subAttributes"]}
    assert photo["value"]["type"] == "reference" and photo["value"]["referenceTypes"] == ["external"]
    group = {s["name"]: s for s in listed["groups"]["subAttributes"]}
    assert group["$ref"]["referenceTypes"] == ["User", "Group"]
    assert all(s["mutability"] == "readOnly" for s in group.values())
    certificate = {s["name"]: s for s in listed["x509Certificates"]["subAttributes"]}
    assert certificate["value"]["type"] == "binary"


def test_the_enterprise_extension_lists_every_rfc_attribute(scim):
    listed = schema(scim, ENTERPRISE)
    assert set(listed) == RFC_ENTERPRISE
    for name in RFC_ENTERPRISE - {"manager"}:
        assert characteristics(listed[name]) == SIMPLE, name
    manager = {s["name"]: s for s in listed["manager"]["subAttributes"]}
    assert set(manager) == {"value", "$ref", "displayName"}
    assert manager["displayName"]["mutability"] == "readOnly"


def test_the_service_provider_config_says_sorting_works_and_it_does(scim):
    assert scim.get("/ServiceProviderConfig").json()["sort"]["supported"] is True
    for user_name in ("b@acme.example", "a@acme.example", "c@acme.example"):
        scim.create({"userName": user_name})
    listed = scim.get("/Users", {"sortBy": "userName", "sortOrder": "descending"}).json()
    assert [r["userName"] for r in listed["Resources"]] == ["c@acme.example", "b@acme.example", "a@acme.example"]


# --- round trip -----------------------------------------------------------------------------------


@pytest.fixture
def babs(scim, other_scim) -> dict[str, Any]:
    other_scim.create(payload("rfc_create_user_every_core_and_enterprise_attribute"))
    return scim.create(payload("rfc_create_user_every_core_and_enterprise_attribute"))


def test_every_listed_attribute_comes_back_exactly_as_sent_but_the_password(scim, babs):
    sent = payload("rfc_create_user_every_core_and_enterprise_attribute")
    read = scim.get(f"/Users/{babs['id']}").json()
    for key, value in sent.items():
        if key in ("schemas", "password"):
            continue
        assert read[key] == value, key
    assert "password" not in read
    assert "t1meMa$heen" not in str(Member.objects.get(scim_id=babs["id"]).scim_data)


def test_every_multi_valued_and_extension_attribute_is_patched_by_path_and_by_filter(scim, babs):
    response = scim.patch(f"/Users/{babs['id']}", payload("rfc_patch_every_multi_valued_attribute_by_filter"))
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["phoneNumbers"] == [
        {"value": "555-555-0000", "type": "work"},
        {"type": "fax", "value": "555-555-1111"},
    ]
    assert patched["ims"] == [{"value": "babs-aim", "type": "aim"}, {"value": "babs@xmpp.example", "type": "xmpp"}]
    assert patched["photos"] == [
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo", "primary": True}
    ]
    assert patched["entitlements"] == [{"value": "Desk phone", "type": "facility", "primary": True, "display": "Phone"}]
    assert "roles" not in patched and "profileUrl" not in patched
    assert patched["x509Certificates"][1] == {"value": "MIIBCgKCAQEA", "type": "signing"}
    assert patched["addresses"][1]["locality"] == "Burbank"
    assert patched["nickName"] == "B." and patched["name"]["honorificPrefix"] == "Dr."
    assert patched[ENTERPRISE]["costCenter"] == "4200"
    assert scim.get(f"/Users/{babs['id']}").json() == patched


def test_attributes_selects_a_sub_attribute_in_every_value_of_a_multi_valued_attribute(scim, babs):
    read = scim.get(f"/Users/{babs['id']}", {"attributes": "emails.value,phoneNumbers.type,name.givenName"}).json()
    assert read["emails"] == [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}]
    assert read["phoneNumbers"] == [{"type": "work"}, {"type": "mobile"}]
    assert read["name"] == {"givenName": "Barbara"}
    assert set(read) == {"schemas", "id", "emails", "phoneNumbers", "name"}


def test_excluded_attributes_drops_sub_attributes_and_extension_attributes(scim, babs):
    read = scim.get(
        f"/Users/{babs['id']}",
        {"excludedAttributes": f"emails.display,ims,{ENTERPRISE}:costCenter,id"},
    ).json()
    assert read["emails"][0] == {"value": "bjensen@example.com", "type": "work", "primary": True}
    assert "ims" not in read and "costCenter" not in read[ENTERPRISE]
    assert read["id"] == babs["id"]  # returned always (RFC 7643 §3.1)


def test_a_list_projects_the_extension_and_keeps_other_organizations_out(scim, babs):
    listed = scim.get("/Users", {"attributes": f"{ENTERPRISE}:division,nickName"}).json()
    assert listed["totalResults"] == 1
    assert listed["Resources"] == [
        {"schemas": babs["schemas"], "id": babs["id"], "nickName": "Babs", ENTERPRISE: {"division": "Theme Park"}}
    ]


# --- filters and sorting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ['nickName eq "Babs"', 'phoneNumbers[type eq "work"].value eq "555-555-5555"', "x509Certificates pr"],
)
def test_a_listed_attribute_without_a_column_is_a_clear_invalid_filter(scim, babs, expression):
    detail = scim_error(scim.get("/Users", {"filter": expression}), 400, "invalidFilter")["detail"]
    named = expression.split(" ")[0].split("[")[0]
    assert f'"{named}' in detail and "cannot filter on it" in detail
    assert "userName" in detail  # and what can be filtered instead


@pytest.mark.parametrize(
    ("expression", "found"),
    [
        ('name.givenName sw "Barb"', True),
        ('emails[type eq "home"].value eq "BABS@jensen.org"', True),
        ('title co "Guide" and active eq true', True),
        ('emails.type eq "other"', False),
        (f'{ENTERPRISE}:department eq "tour operations"', True),
        ("displayName pr", True),
    ],
)
def test_filterable_attributes_filter_within_the_organization(scim, babs, expression, found):
    listed = scim.get("/Users", {"filter": expression}).json()
    assert [r["id"] for r in listed["Resources"]] == ([babs["id"]] if found else [])


def test_sorting_by_an_attribute_kept_as_sent_is_refused_naming_what_sorts(scim, babs):
    detail = scim_error(scim.get("/Users", {"sortBy": "nickName"}), 400, "invalidValue")["detail"]
    assert "nickName" in detail and "userName" in detail


# --- groups: read-only until Preciate serves Groups -----------------------------------------------


def test_groups_sent_in_a_create_are_ignored_and_never_returned(scim):
    created = scim.create(payload("okta_create_user_with_groups"))
    assert "groups" not in created
    assert "groups" not in Member.objects.get(scim_id=created["id"]).scim_data
    assert "groups" not in scim.get(f"/Users/{created['id']}").json()


def test_a_patch_of_groups_is_refused_as_read_only_and_changes_nothing(scim, grace):
    before = scim.get(f"/Users/{grace['id']}").json()
    detail = scim_error(scim.patch(f"/Users/{grace['id']}", payload("rfc_patch_add_groups")), 400, "mutability")[
        "detail"
    ]
    assert "groups" in detail and "read-only" in detail
    assert scim.get(f"/Users/{grace['id']}").json() == before


def test_groups_an_older_version_stored_are_no_longer_returned(scim, grace):
    member = Member.objects.get(scim_id=grace["id"])
    member.scim_data = {**member.scim_data, "groups": [{"value": "00g1", "display": "Everyone"}]}
    member.save(update_fields=["scim_data"])
    assert "groups" not in scim.get(f"/Users/{grace['id']}").json()
    patched = scim.patch(f"/Users/{grace['id']}", patch_op({"op": "replace", "path": "title", "value": "Commodore"}))
    assert patched.status_code == 200 and "groups" not in patched.json()
    assert "groups" not in Member.objects.get(scim_id=grace["id"]).scim_data
