"""Case-insensitive matching, folded by the database on both sides.

``user_name__ci=text`` is ``LOWER(user_name) = LOWER(text)``; ``given_name__ci_startswith=text``
is ``UPPER(given_name) LIKE UPPER(text) || '%'`` (also ``ci_contains``, ``ci_endswith``).
Never lower a value in Python to compare it with a column the database lowers: the two
disagree. Python lowers "İ" (U+0130) to "i" + U+0307 and a word-final capital sigma to the
final form (U+03C2), while PostgreSQL lowers letter by letter, to "i" and U+03C3, so
"İstanbul" would never equal the row it names and the case-insensitive unique constraint
would refuse to add it again.

Equality folds with LOWER, as the ``(organization, lower(...))`` unique constraints and
indexes do, so a look-up finds exactly the row the constraint protects and uses its index.
Pattern matches fold with UPPER, as the ``upper(...) text_pattern_ops`` prefix indexes do
(migration 0004, docs/performance.md). On SQLite both functions are replaced by Unicode ones
on each connection (organizations/apps.py), since the built-ins fold ASCII only.
"""

from typing import TYPE_CHECKING

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, Lookup, Value
from django.db.models.functions import Lower, Upper
from django.db.models.lookups import Contains, EndsWith, Exact, StartsWith
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    # The (sql, params) pair every as_sql returns; named only in django-stubs.
    from django.db.models.sql.compiler import _AsSqlType


class _Folded(Lookup):
    compare: type[Lookup]
    fold: type[Func]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        rhs = self.rhs if hasattr(self.rhs, "resolve_expression") else Value(self.rhs)
        return compiler.compile(self.compare(self.fold(self.lhs), self.fold(rhs)))


class CaseInsensitiveExact(_Folded):
    lookup_name = "ci"
    compare = Exact
    fold = Lower


class CaseInsensitiveStartsWith(_Folded):
    lookup_name = "ci_startswith"
    compare = StartsWith
    fold = Upper


class CaseInsensitiveContains(_Folded):
    lookup_name = "ci_contains"
    compare = Contains
    fold = Upper


class CaseInsensitiveEndsWith(_Folded):
    lookup_name = "ci_endswith"
    compare = EndsWith
    fold = Upper


LOOKUPS = (CaseInsensitiveExact, CaseInsensitiveStartsWith, CaseInsensitiveContains, CaseInsensitiveEndsWith)
