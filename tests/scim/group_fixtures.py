"""People and groups for the /Groups tests: three people with the ids the payload files name."""

import json
import uuid
from typing import Any

from organizations.models import Member, Organization, Team
from tests.factories import MemberFactory
from tests.scim.helpers import PAYLOADS, ScimClient, ok

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ALICE = "9f3b2c1e-7d1a-4b59-a0f2-6c0e8e1d2a77"
BOB = "4c1d8e2f-0a3b-4c5d-9e6f-7a8b9c0d1e2f"
CAROL = "2b7e4c1a-5d3f-4e8a-9b1c-0d2e3f4a5b6c"


def person(org: Organization, scim_id: str, name: str) -> Member:
    """Someone the IdP provisioned, with the SCIM id the payload files use."""
    return MemberFactory(
        organization=org,
        scim_id=uuid.UUID(scim_id),
        user_name=f"{name}@contoso.example",
        given_name=name.title(),
        family_name="Example",
        managed_by_idp=True,
        scim_data={"userName": f"{name}@contoso.example"},
    )


def group_payload(name: str, **ids: str) -> dict[str, Any]:
    """A payload file, with placeholders such as GROUP_ID replaced by the ids a test made."""
    text = (PAYLOADS / f"{name}.json").read_text()
    for placeholder, value in ids.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def create_group(scim: ScimClient, name: str = "Support", **extra: Any) -> dict[str, Any]:
    return ok(scim.post("/Groups", {"schemas": [GROUP], "displayName": name, **extra}), 201)


def member_ids(team_id: str) -> set[str]:
    """Who is in the team, read from the database, not from the endpoint under test."""
    team = Team.objects.get(scim_id=team_id)
    return {str(i) for i in team.memberships.values_list("member__scim_id", flat=True)}
