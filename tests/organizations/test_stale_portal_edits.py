"""An admin's edit must not undo what others wrote to the person after the page loaded them.

``services.update_member`` saves with ``member.save()`` and no ``update_fields``, so saving an
edit to a person added by hand writes back every column as the view loaded it:
``admin_removed_at``, ``scim_deleted_at``, ``managed_by_idp``, ``scim_data``, ``idp_active``.
The ``person`` view loads the row, validates the form and then calls the service; anything
committed in between (another admin's removal, the IdP's DELETE or adoption) is lost. Each
test stands for that interleaving with the instance the view would hold.
"""

import pytest

from organizations.models import Member
from organizations.services import Actor, create_member, remove_member, update_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(org) -> Member:
    return create_member(
        org, by=Actor.command("tests"), user_name="bob.hand@acme.example", email="bob.hand@acme.example"
    )


def test_it_keeps_an_admins_removal_when_another_admin_saves_an_edit_loaded_before_it(admin, bob):
    loaded_by_the_edit = Member.objects.get(pk=bob.pk)
    remove_member(Member.objects.get(pk=bob.pk), by=Actor.admin(admin.user))

    update_member(loaded_by_the_edit, by=Actor.admin(admin.user), title="Engineer")

    bob.refresh_from_db()
    assert bob.title == "Engineer"
    assert bob.admin_removed_at is not None, "the edit brought a removed person back"


def test_it_keeps_a_scim_delete_when_an_admin_saves_an_edit_loaded_before_it(admin, bob, scim):
    loaded_by_the_edit = Member.objects.get(pk=bob.pk)
    assert scim.delete(f"/Users/{bob.scim_id}").status_code == 204

    update_member(loaded_by_the_edit, by=Actor.admin(admin.user), title="Engineer")

    # A retired SCIM id must stay retired (docs/protocol.md#delete-retires-the-resource).
    assert scim.get(f"/Users/{bob.scim_id}").status_code == 404


def test_it_keeps_the_idps_adoption_when_an_admin_saves_an_edit_loaded_before_it(admin, bob, scim):
    loaded_by_the_edit = Member.objects.get(pk=bob.pk)
    adopted = scim.create({"userName": "bob.hand@acme.example", "title": "Staff Engineer", "active": True})

    update_member(loaded_by_the_edit, by=Actor.admin(admin.user), given_name="Bob")

    bob.refresh_from_db()
    assert bob.managed_by_idp, "the edit handed an adopted person back to the portal"
    assert scim.get(f"/Users/{adopted['id']}").json()["title"] == "Staff Engineer"
