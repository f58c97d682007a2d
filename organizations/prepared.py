"""Querysets compiled to SQL once per process, then run again with other values.

Django compiles a queryset to SQL every time it is evaluated. For the statements every
SCIM request runs (the member by id, Entra's userName look-up, a page's groups) that
compilation cost 0.5 to 0.9 ms of CPU each, against 0.1 ms for running the statement
(docs/performance.md, "Issue 9"). Their SQL never changes, only their values, so
``Prepared`` builds the queryset once with stand-in values, keeps the SQL, its parameter
positions and what the ORM needs to turn rows into objects, and from then on only
substitutes the values and converts the rows as the ORM would.

The queryset is still written with the ORM, in one place, and stays the definition: the
stand-ins are checked to come back unchanged in the compiled parameters (a value the ORM
transforms, such as a LIKE pattern, is refused when the statement is first prepared, not
answered wrongly), and a test compares each prepared statement's results with the
queryset's own.
"""

import itertools
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import DatabaseError, connections, router
from django.db.models import Field, Model, QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

T = TypeVar("T")

# Stand-ins no real value takes: beyond any id a table reaches, or text in a private-use area.
_INT_BASE = 1 << 62
_MARK = "\ue000"
_counter = itertools.count()
_lock = threading.Lock()


def _stand_in(kind: type) -> Any:
    n = next(_counter)
    if kind is int:
        return _INT_BASE + n
    if kind is str:
        return f"{_MARK}{n}{_MARK}"
    if kind is uuid.UUID:
        return uuid.UUID(int=(0xE000 << 112) + n)
    raise ImproperlyConfigured(f"Prepared statements take int, str or uuid.UUID values, not {kind!r}.")


class _Statement:
    """One compiled form: its SQL, where each value goes, and how rows become results."""

    def __init__(self, queryset: QuerySet[Any], stand_ins: dict[Any, tuple[str, int | None, bool]]) -> None:
        self.alias = queryset.db
        compiler: SQLCompiler = queryset.query.get_compiler(using=self.alias)
        self.for_update = bool(queryset.query.select_for_update)
        self.sql: str | None
        params: Iterable[Any]
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:
            self.sql, params = None, ()
        self.slots: list[tuple[str, int | None, bool] | None] = []
        self.fixed: list[Any] = []
        found: set[tuple[str, int | None]] = set()
        for param in params:
            slot = stand_ins.get((type(param), param))
            if slot is None and isinstance(param, str) and _MARK in param:
                raise ImproperlyConfigured(
                    f"A prepared value came back transformed ({param!r}); run this queryset through the ORM."
                )
            self.slots.append(slot)
            self.fixed.append(param)
            if slot is not None:
                found.add(slot[:2])
        missing = {slot[:2] for slot in stand_ins.values()} - found
        if self.sql is not None and missing:
            raise ImproperlyConfigured(f"Prepared values {sorted(str(m) for m in missing)} never reach the SQL.")
        self.iterable = queryset._iterable_class
        if self.iterable not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise ImproperlyConfigured(f"Prepared statements return models or values_list rows, not {self.iterable}.")
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(queryset, "_known_related_objects", {}):
            raise ImproperlyConfigured("Prepared statements do not prefetch or carry known related objects.")
        if self.sql is None:
            return
        select = compiler.select
        fields = [s[0] for s in select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        if self.iterable is ModelIterable:
            klass_info = compiler.klass_info
            self.annotations = list(compiler.annotation_col_map.items())
            self.model = klass_info["model"]
            select_fields = klass_info["select_fields"]
            self.start, self.end = select_fields[0], select_fields[-1] + 1
            self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
            self.populators = get_related_populators(klass_info, select, self.alias)  # type: ignore[call-arg]

    def run(self, values: dict[str, Any]) -> list[Any]:
        if self.sql is None:
            return []
        connection = connections[self.alias]
        if self.for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = []
        for slot, fixed in zip(self.slots, self.fixed, strict=True):
            if slot is None:
                params.append(fixed)
                continue
            name, index, as_hex = slot
            value = values[name] if index is None else values[name][index]
            params.append(value.hex if as_hex else value)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [self._convert(list(row), connection) for row in rows]
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in rows]
        if self.iterable is ValuesListIterable:
            return [tuple(row) for row in rows]
        results = []
        for row in rows:
            obj = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            results.append(obj)
        return results

    def _convert(self, row: list[Any], connection: Any) -> list[Any]:
        for position, (converters, expression) in self.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        return row


class Prepared(Generic[T]):
    """A queryset of keyword values, compiled once per process and length of its list values.

    ``kinds`` names each value's type (``int``, ``str``, ``uuid.UUID``), or ``[type]`` for a
    list (an ``__in``), whose length is part of what is compiled::

        member_by_id = Prepared(
            lambda organization_id, scim_id: Member.objects.filter(organization_id=organization_id, scim_id=scim_id),
            organization_id=int,
            scim_id=uuid.UUID,
        )
        member_by_id(organization_id=7, scim_id=some_uuid)  # a list of Members

    Results are what iterating the queryset gives: models (with ``select_related`` rows
    attached), ``values_list`` tuples, or flat values.
    """

    def __init__(self, build: Callable[..., "QuerySet[Any]"], **kinds: type | list[type]) -> None:
        self.build = build
        self.kinds = kinds
        self.statements: dict[tuple[Any, ...], _Statement] = {}

    def __call__(self, **values: Any) -> list[T]:
        lists = tuple(len(values[name]) for name, kind in self.kinds.items() if isinstance(kind, list))
        statement = self.statements.get(lists)
        if statement is None:
            statement = self._prepare(lists)
        return statement.run(values)

    def _prepare(self, lists: tuple[int, ...]) -> _Statement:
        with _lock:
            stand_ins: dict[Any, tuple[str, int | None, bool]] = {}
            arguments: dict[str, Any] = {}
            sizes = iter(lists)
            for name, kind in self.kinds.items():
                if isinstance(kind, list):
                    arguments[name] = [_stand_in(kind[0]) for _ in range(next(sizes))]
                    for index, value in enumerate(arguments[name]):
                        self._register(stand_ins, name, index, value)
                else:
                    arguments[name] = _stand_in(kind)
                    self._register(stand_ins, name, None, arguments[name])
            queryset = self.build(**arguments)
            statement = _Statement(queryset, stand_ins)
            self.statements[lists] = statement
            return statement

    @staticmethod
    def _register(stand_ins: dict[Any, tuple[str, int | None, bool]], name: str, index: int | None, value: Any) -> None:
        stand_ins[(type(value), value)] = (name, index, False)
        if isinstance(value, uuid.UUID):
            # Where the database has no uuid type (SQLite), the ORM sends the hex text instead.
            stand_ins[(str, value.hex)] = (name, index, True)


# -- Writes --------------------------------------------------------------------------------
#
# ``Model.save()`` compiles its INSERT or UPDATE on every call too (0.3 to 0.4 ms of CPU for a
# member's update or an event's insert). ``insert`` and ``update`` write the same statement
# from the model's ``_meta`` once per model and set of fields, and prepare each value as
# ``save()`` does: the field's ``pre_save`` (``auto_now``, ``auto_now_add``), then its
# ``get_db_prep_save``. No model here has save() overrides or save signals; a test checks
# that, since these would skip them.

_writes: dict[tuple[Any, ...], tuple[str, list["Field[Any, Any]"]]] = {}


def insert(*instances: Model) -> None:
    """Save new ``instances`` of one model (auto primary keys unset) in one statement, setting their keys.

    ``instance.save()`` for one, ``bulk_create`` for several (the keys come back in order,
    as ``bulk_create`` relies on too); nothing for none.
    """
    if not instances:
        return
    model = type(instances[0])
    meta = model._meta
    alias = router.db_for_write(model, instance=instances[0])
    connection = connections[alias]
    pk_field = _primary_key(model)
    returning = connection.features.can_return_columns_from_insert
    if len(instances) > 1 and not returning:
        raise ValueError("Several rows at once need a database that returns their keys.")
    key = ("insert", model, alias, len(instances))
    if key not in _writes:
        quote = connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if f is not meta.pk]
        columns = ", ".join(quote(_column(f)) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        tail = f" RETURNING {quote(_column(pk_field))}" if returning else ""
        # Identifiers come from the model's _meta, quoted; every value is a parameter.
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(instances))}{tail}"  # noqa: S608
        _writes[key] = (sql, fields)
    sql, fields = _writes[key]
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for instance in instances for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            keys = [row[0] for row in cursor.fetchall()]
        else:
            keys = [connection.ops.last_insert_id(cursor, meta.db_table, _column(pk_field))]
    for instance, pk in zip(instances, keys, strict=True):
        setattr(instance, pk_field.attname, pk)
        instance._state.adding = False
        instance._state.db = alias


def update(instance: Model, fields: Iterable[str]) -> None:
    """Write ``fields`` of a saved ``instance``: ``instance.save(update_fields=fields)``."""
    model = type(instance)
    meta = model._meta
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    names = tuple(dict.fromkeys(fields))
    key = ("update", model, alias, names)
    pk_field = _primary_key(model)
    if key not in _writes:
        quote = connection.ops.quote_name
        targets: list[Field[Any, Any]] = []
        for name in names:
            target = meta.get_field(name)
            if not isinstance(target, Field) or not target.concrete or target.primary_key:
                raise ValueError(f"{model.__name__}: only concrete, non-key fields can be updated, not {name!r}.")
            targets.append(target)
        assignments = ", ".join(f"{quote(_column(f))} = %s" for f in targets)
        # Identifiers come from the model's _meta, quoted; every value is a parameter.
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(_column(pk_field))} = %s"  # noqa: S608
        _writes[key] = (sql, targets)
    sql, targets = _writes[key]
    params = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in targets]
    params.append(pk_field.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def _primary_key(model: type[Model]) -> "Field[Any, Any]":
    pk = model._meta.pk
    if pk is None:
        raise ValueError(f"{model.__name__} has no primary key.")
    return pk


def _column(field: "Field[Any, Any]") -> str:
    if field.column is None:
        raise ValueError(f"{field} has no column.")
    return field.column
