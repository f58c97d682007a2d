"""The benchmark seed (benchmarks/seed.py) writes people the SCIM endpoint can read and change.

It writes member rows with COPY, beside the ORM, so a column added to Member without a value
here breaks it: the manager_reference column did, and nothing noticed until a benchmark run.
"""

import json
import stat

import pytest
from django.db import connection

from benchmarks import dataset, seed
from organizations.models import Event, Member, MemberEmail, Organization
from tests.scim.helpers import ScimClient, ok, patch_op


@pytest.mark.django_db(transaction=True)
def test_the_seed_fills_an_organization_whose_people_scim_reads_and_patches(tmp_path):
    out = tmp_path / "credentials.json"
    argv = ["--people", "40", "--org", "seeded", "--other-people", "5", "--out", str(out)]
    if connection.vendor != "postgresql":
        with pytest.raises(SystemExit, match="PostgreSQL-only"):
            seed.main(argv)
        return

    assert seed.main(argv) == 0

    org = Organization.objects.get(slug="seeded")
    # The IdP's people, beside the portal admin the seed signs in as.
    assert Member.objects.filter(organization=org, managed_by_idp=True).count() == 40
    assert MemberEmail.objects.filter(organization=org, member__managed_by_idp=True).count() == 40
    assert Event.objects.filter(organization=org, action="member.created", member__managed_by_idp=True).count() == 40
    assert Member.objects.filter(organization__slug="seeded-other", managed_by_idp=True).count() == 5
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    manifest = json.loads(out.read_text())
    scim = ScimClient(manifest["organization"]["scim_key"])
    # Anyone whose SCIM resource the seed did not retire.
    person = next(p for p in (dataset.person("seeded", i) for i in range(40)) if p.state != "deleted")
    found = ok(scim.get("/Users", {"filter": f'userName eq "{person.user_name}"'}))
    assert [r["id"] for r in found["Resources"]] == [str(person.scim_id)]
    patched = ok(scim.patch(f"/Users/{person.scim_id}", patch_op({"op": "Replace", "path": "title", "value": "Chief"})))
    assert patched["title"] == "Chief"
