"""Statements compiled once per process (organizations/prepared.py) answer what the ORM would.

Each SCIM request's hot statements run prepared; these tests hold a prepared statement to
the queryset that defines it, on both databases, and check the guards that refuse a
queryset the stand-in scheme cannot serve.
"""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.db.models import Count, Model
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError

from organizations import prepared
from organizations.models import Department, Event, Location, Member, MemberEmail, Organization, Team
from organizations.prepared import Prepared
from organizations.services import Actor, build_event

pytestmark = pytest.mark.django_db


def people(org: Organization) -> list[Member]:
    sales = Department.objects.create(organization=org, name="Sales")
    boss = Member.objects.create(organization=org, user_name="boss@acme.example", department=sales)
    return [boss] + [
        Member.objects.create(organization=org, user_name=f"p{i}@acme.example", manager=boss, department=sales)
        for i in range(3)
    ]


def by_user_name(organization_id: int, user_name: str):
    return (
        Member.objects.filter(organization_id=organization_id, user_name__ci=user_name)
        .select_related("department", "manager")
        .order_by("pk")
    )


def test_a_prepared_queryset_returns_the_members_the_queryset_returns_with_their_related_rows(org, other_org):
    staff = people(org)
    people(other_org)
    look_up = Prepared(by_user_name, organization_id=int, user_name=str)

    for person in staff:
        for asked in (person.user_name, person.user_name.upper()):
            found = look_up(organization_id=org.pk, user_name=asked)
            expected = list(by_user_name(org.pk, asked))
            assert [m.pk for m in found] == [m.pk for m in expected] == [person.pk]
            # select_related rows come along, so reading them costs no query.
            assert found[0].department.name == "Sales"
            assert (found[0].manager.user_name if found[0].manager else None) == (
                person.manager.user_name if person.manager else None
            )
            assert found[0].scim_data == person.scim_data and found[0].created_at == expected[0].created_at
    assert look_up(organization_id=other_org.pk, user_name="nobody@acme.example") == []


def test_a_prepared_queryset_is_compiled_once_and_then_only_run(org, django_assert_num_queries):
    staff = people(org)
    built = []

    def build(organization_id: int, scim_id: uuid.UUID):
        built.append(scim_id)
        return Member.objects.filter(organization_id=organization_id, scim_id=scim_id)

    by_id = Prepared(build, organization_id=int, scim_id=uuid.UUID)
    for person in staff:
        with django_assert_num_queries(1):
            assert [m.pk for m in by_id(organization_id=org.pk, scim_id=person.scim_id)] == [person.pk]
    assert len(built) == 1


def test_a_list_value_is_compiled_once_per_length_and_gives_values_list_rows(org):
    staff = people(org)
    rows = Prepared(
        lambda ids: Member.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "user_name"),
        ids=[int],
    )
    flat = Prepared(
        lambda ids: Member.objects.filter(pk__in=ids).order_by("pk").values_list("scim_id", flat=True), ids=[int]
    )

    assert rows(ids=[staff[2].pk, staff[0].pk]) == [
        (staff[0].pk, staff[0].user_name),
        (staff[2].pk, staff[2].user_name),
    ]
    assert rows(ids=[staff[3].pk]) == [(staff[3].pk, staff[3].user_name)]
    assert rows(ids=[staff[1].pk, -5]) == [(staff[1].pk, staff[1].user_name)]
    assert flat(ids=[m.pk for m in staff]) == [m.scim_id for m in staff]
    assert sorted(rows.statements) == [(1,), (2,)]


def test_a_value_the_orm_would_transform_is_refused_when_prepared_not_answered_wrongly(org):
    starting = Prepared(lambda prefix: Member.objects.filter(user_name__startswith=prefix), prefix=str)

    with pytest.raises(ImproperlyConfigured, match="transformed"):
        starting(prefix="p")


def test_a_value_that_never_reaches_the_sql_is_refused(org):
    ignoring = Prepared(
        lambda organization_id, unused: Member.objects.filter(organization_id=organization_id),
        organization_id=int,
        unused=str,
    )

    with pytest.raises(ImproperlyConfigured, match="never reach"):
        ignoring(organization_id=org.pk, unused="x")


@pytest.mark.django_db(transaction=True)
def test_a_locking_statement_outside_a_transaction_is_refused_as_the_orm_refuses_it(org):
    locking = Prepared(lambda pk: Member.objects.select_for_update().filter(pk=pk), pk=int)
    person = people(org)[0]
    with transaction.atomic():
        assert [m.pk for m in locking(pk=person.pk)] == [person.pk]

    with pytest.raises(TransactionManagementError):
        locking(pk=person.pk)


def test_insert_writes_what_save_writes_and_sets_the_keys(org):
    by = Actor.idp("Microsoft Entra ID")
    saved = build_event(org, by=by, action="member.created", summary="Created", changes={"title": ["", "Analyst"]})
    saved.save()
    inserted = build_event(org, by=by, action="member.created", summary="Created", changes={"title": ["", "Analyst"]})

    prepared.insert(inserted)

    assert inserted.pk is not None and inserted.pk != saved.pk and not inserted._state.adding
    fields = [f.attname for f in Event._meta.concrete_fields if f.attname not in ("id", "created_at")]
    row = Event.objects.values(*fields, "created_at").get(pk=inserted.pk)
    assert {k: row[k] for k in fields} == Event.objects.values(*fields).get(pk=saved.pk)
    assert abs(row["created_at"] - saved.created_at) < dt.timedelta(minutes=1)  # auto_now_add applied


def test_insert_of_several_rows_is_one_statement_giving_each_its_key(org, django_assert_num_queries):
    person = people(org)[0]
    emails = [MemberEmail(organization=org, member=person, value=f"a{i}@acme.example", type="work") for i in range(3)]

    with django_assert_num_queries(1):
        prepared.insert(*emails)

    assert {e.pk: e.value for e in emails} == dict(MemberEmail.objects.filter(member=person).values_list("pk", "value"))


def test_update_writes_only_the_fields_named_and_refreshes_auto_now(org):
    person = people(org)[1]
    before = person.updated_at
    Member.objects.filter(pk=person.pk).update(given_name="Changed elsewhere")
    person.title = "Countess"

    prepared.update(person, ["title", "updated_at"])

    stored = Member.objects.get(pk=person.pk)
    assert stored.title == "Countess"
    assert stored.given_name == "Changed elsewhere"  # not a field named: left alone
    assert stored.updated_at > before


def test_update_of_a_row_that_is_gone_fails_as_save_does(org):
    person = people(org)[1]
    Member.objects.filter(pk=person.pk).delete()
    person.title = "Countess"

    with pytest.raises(DatabaseError):
        prepared.update(person, ["title"])


@pytest.mark.parametrize("model", [Member, Event, MemberEmail, Department, Location, Team])
def test_the_models_written_by_prepared_statements_have_no_save_of_their_own_or_save_signals(model):
    # insert() and update() stand for save(): an override or a signal would be skipped by them.
    assert model.save is Model.save
    assert not pre_save.has_listeners(model) and not post_save.has_listeners(model)


def test_an_annotation_comes_back_on_each_model_as_the_queryset_sets_it(org):
    staff = people(org)
    with_reports = Prepared(
        lambda organization_id: (
            Member.objects.filter(organization_id=organization_id)
            .annotate(report_count=Count("reports"))
            .order_by("pk")
        ),
        organization_id=int,
    )

    assert [(m.pk, m.report_count) for m in with_reports(organization_id=org.pk)] == [
        (m.pk, 3 if m is staff[0] else 0) for m in staff
    ]
