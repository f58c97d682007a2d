"""The one write path (organizations/services.py): each write, its rules and its audit event."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from organizations import services
from organizations.models import Department, Event, Member
from organizations.services import Actor, create_member, remove_member, update_member
from tests.factories import MemberFactory
from tests.trail import entry, trail

ADMIN = Actor.command("tests")


def test_it_creates_a_member_with_department_and_location_created_on_first_use(org):
    member = services.create_member(
        org, by=ADMIN, user_name="ada@acme.example", title="Engineer", department="Engineering", location="Lyon"
    )
    assert member.department.name == "Engineering"
    assert member.location.name == "Lyon"
    assert Event.objects.filter(member=member, action="member.created").exists()


def test_a_department_and_location_created_on_first_use_are_recorded_in_the_persons_event(org):
    services.create_member(org, by=ADMIN, user_name="ada@acme.example", department="Engineering", location="Lyon")
    assert trail(org) == [
        entry(
            "member.created",
            by=ADMIN,
            user_name="ada@acme.example",
            summary="Created by tests",
            changes={"department": ["", "Engineering"], "location": ["", "Lyon"]},
        )
    ]


def test_a_blank_department_or_location_clears_it_and_creates_nothing(org):
    member = services.create_member(org, by=ADMIN, user_name="ada@acme.example", department="Sales", location="Lyon")
    services.update_member(member, by=ADMIN, department="  ", location="")
    member.refresh_from_db()
    assert (member.department, member.location) == (None, None)
    assert list(Department.objects.filter(organization=org).values_list("name", flat=True)) == ["Sales"]


def test_it_matches_departments_case_insensitively_within_an_organization(org, other_org):
    first = services.create_member(org, by=ADMIN, user_name="a@acme.example", department="Sales")
    second = services.create_member(org, by=ADMIN, user_name="b@acme.example", department="SALES")
    elsewhere = services.create_member(other_org, by=ADMIN, user_name="a@globex.example", department="sales")
    assert first.department_id == second.department_id
    assert elsewhere.department_id != first.department_id
    assert Department.objects.filter(organization=org).count() == 1


def test_it_refuses_a_username_that_differs_only_by_case(org):
    services.create_member(org, by=ADMIN, user_name="Ada@Acme.example")
    with pytest.raises(services.UserNameTaken):
        services.create_member(org, by=ADMIN, user_name="ada@acme.EXAMPLE")


def test_it_allows_the_same_username_in_two_organizations(org, other_org):
    services.create_member(org, by=ADMIN, user_name="ada@example.com")
    services.create_member(other_org, by=ADMIN, user_name="ada@example.com")
    assert Member.objects.filter(user_name="ada@example.com").count() == 2


def test_it_records_what_changed_in_words(org):
    member = services.create_member(org, by=ADMIN, user_name="ada@acme.example", title="Engineer")
    services.update_member(member, by=ADMIN, title="Staff Engineer", department="R&D")
    event = Event.objects.filter(member=member, action="member.updated").get()
    assert "title changed from Engineer to Staff Engineer" in event.summary
    assert "department set to R&D" in event.summary


def test_an_update_that_changes_nothing_writes_no_event(org):
    member = services.create_member(org, by=ADMIN, user_name="ada@acme.example", title="Engineer")
    services.update_member(member, by=ADMIN, title="Engineer")
    assert not Event.objects.filter(member=member, action="member.updated").exists()


def test_a_manager_must_belong_to_the_same_organization(org, other_org):
    member = MemberFactory(organization=org)
    outsider = MemberFactory(organization=other_org)
    with pytest.raises(ValidationError):
        services.update_member(member, by=ADMIN, manager=outsider)


def test_removing_and_restoring_keeps_the_record_and_writes_history(org):
    member = services.create_member(org, by=ADMIN, user_name="it@acme.example")
    services.remove_member(member, by=ADMIN)
    assert not Member.objects.filter(pk=member.pk).present().exists()
    services.restore_member(member, by=ADMIN)
    assert Member.objects.filter(pk=member.pk).present().exists()
    actions = list(Event.objects.filter(member=member).values_list("action", flat=True))
    assert "member.removed" in actions and "member.restored" in actions


def test_an_admin_removal_survives_the_idp_reactivating_the_person(org):
    member = services.create_member(org, by=ADMIN, user_name="it@acme.example")
    services.remove_member(member, by=ADMIN)
    services.provision_member(
        org, services.ProvisionedUser(user_name="it@acme.example", active=True), by=Actor.idp(), member=member
    )
    member.refresh_from_db()
    assert member.idp_active is True
    assert member.state == "removed_by_admin"


def test_provisioning_a_username_added_by_hand_adopts_that_person(org):
    hand_added = services.create_member(org, by=ADMIN, user_name="Grace@acme.example", title="Engineer")
    member, _created = services.provision_member(
        org,
        services.ProvisionedUser(user_name="grace@acme.example", values={"title": "Admiral"}),
        by=Actor.idp(),
    )
    assert member.pk == hand_added.pk
    assert member.managed_by_idp and member.title == "Admiral"


def test_provisioning_a_deleted_username_again_is_a_rehire_with_history_and_a_new_id(org):
    member, _ = services.provision_member(org, services.ProvisionedUser(user_name="bob@acme.example"), by=Actor.idp())
    old_id = member.scim_id
    services.delete_scim_member(member, by=Actor.idp())
    again, _ = services.provision_member(org, services.ProvisionedUser(user_name="bob@acme.example"), by=Actor.idp())
    assert again.pk == member.pk
    assert again.scim_id != old_id
    assert again.is_present
    assert Event.objects.filter(member=again, action="member.deleted").exists()


def test_provisioning_an_existing_idp_user_again_is_refused(org):
    services.provision_member(org, services.ProvisionedUser(user_name="bob@acme.example"), by=Actor.idp())
    with pytest.raises(services.UserNameTaken):
        services.provision_member(org, services.ProvisionedUser(user_name="BOB@acme.example"), by=Actor.idp())


@pytest.mark.django_db(transaction=True)
def test_two_transactions_creating_the_same_username_yield_one_member(org):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(user_name: str) -> None:
        try:
            barrier.wait(timeout=5)
            services.provision_member(org, services.ProvisionedUser(user_name=user_name), by=Actor.idp())
            outcomes.append("created")
        except services.UserNameTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(name,)) for name in ("sam@acme.example", "SAM@acme.example")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "taken"]
    assert Member.objects.filter(organization=org, user_name__iexact="sam@acme.example").count() == 1


# --------------------------------------------------------------------------------------------
# An admin's edit must not undo what others wrote to the person after the page loaded them.
#
# ``services.update_member`` saves with ``member.save()`` and no ``update_fields``, so saving an
# edit to a person added by hand writes back every column as the view loaded it:
# ``admin_removed_at``, ``scim_deleted_at``, ``managed_by_idp``, ``scim_data``, ``idp_active``.
# The ``person`` view loads the row, validates the form and then calls the service; anything
# committed in between (another admin's removal, the IdP's DELETE or adoption) is lost. Each
# test stands for that interleaving with the instance the view would hold.
# --------------------------------------------------------------------------------------------


@pytest.fixture
def bob(org) -> Member:
    return create_member(
        org, by=Actor.command("tests"), user_name="bob.hand@acme.example", email="bob.hand@acme.example"
    )


@pytest.mark.django_db
def test_it_keeps_an_admins_removal_when_another_admin_saves_an_edit_loaded_before_it(admin, bob):
    loaded_by_the_edit = Member.objects.get(pk=bob.pk)
    remove_member(Member.objects.get(pk=bob.pk), by=Actor.admin(admin.user))

    update_member(loaded_by_the_edit, by=Actor.admin(admin.user), title="Engineer")

    bob.refresh_from_db()
    assert bob.title == "Engineer"
    assert bob.admin_removed_at is not None, "the edit brought a removed person back"


@pytest.mark.django_db
def test_it_keeps_a_scim_delete_when_an_admin_saves_an_edit_loaded_before_it(admin, bob, scim):
    loaded_by_the_edit = Member.objects.get(pk=bob.pk)
    assert scim.delete(f"/Users/{bob.scim_id}").status_code == 204

    update_member(loaded_by_the_edit, by=Actor.admin(admin.user), title="Engineer")

    # A retired SCIM id must stay retired (docs/protocol.md#delete-retires-the-resource).
    assert scim.get(f"/Users/{bob.scim_id}").status_code == 404


@pytest.mark.django_db
def test_it_keeps_the_idps_adoption_when_an_admin_saves_an_edit_loaded_before_it(admin, bob, scim):
    loaded_by_the_edit = Member.objects.get(pk=bob.pk)
    adopted = scim.create({"userName": "bob.hand@acme.example", "title": "Staff Engineer", "active": True})

    update_member(loaded_by_the_edit, by=Actor.admin(admin.user), given_name="Bob")

    bob.refresh_from_db()
    assert bob.managed_by_idp, "the edit handed an adopted person back to the portal"
    assert scim.get(f"/Users/{adopted['id']}").json()["title"] == "Staff Engineer"
