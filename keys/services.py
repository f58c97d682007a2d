"""Every write to SCIM keys, and the one look-up SCIM authentication uses.

A key is ``prc_`` followed by 43 URL-safe characters (256 bits from ``secrets``). Only
its SHA-256 digest is stored; the plaintext leaves ``regenerate_key`` once, for the
response that shows it. Nothing caches a key → organization look-up, so once a
regenerate or revoke commits, the old key authenticates nothing in any process.
"""

import functools
import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.debug import sensitive_variables

from keys.models import ScimKey
from organizations.models import Event, Organization
from organizations.services import Actor, record_event

KEY_PREFIX = "prc_"
# secrets.token_urlsafe(32): 32 random bytes, 43 characters without padding.
KEY_RANDOM_BYTES = 32
KEY_PATTERN = re.compile(r"prc_[A-Za-z0-9_-]{43}")
# "Last used" is written at most this often per key, unless the outcome flips.
KEY_USE_RESOLUTION = timedelta(seconds=60)
# Requests refused for carrying a retired key share one event per key, address and interval.
REJECTED_KEY_INTERVAL = timedelta(minutes=10)
# What of a refused request's path reaches the activity page: safe characters, bounded.
_UNSAFE_IN_PATH = re.compile(r"[^A-Za-z0-9/._~-]")

M = TypeVar("M", bound=models.Model)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def _well_formed(raw: object) -> bool:
    return isinstance(raw, str) and KEY_PATTERN.fullmatch(raw) is not None


def new_key() -> str:
    """Return a fresh random key; nothing is stored."""
    return KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)


@sensitive_variables("key")
@transaction.atomic
def regenerate_key(organization: Organization, *, by: Actor) -> str:
    """Give the organization a new key, killing the previous one; return the plaintext once.

    The organization's row is locked first, so concurrent regenerates queue and exactly
    one key (the last to commit) stays valid.
    """
    # NO KEY UPDATE queues concurrent regenerates without blocking SCIM writes' foreign-key
    # checks on the organization row (which would deadlock with hold_key).
    Organization.objects.select_for_update(no_key=True).only("pk").get(pk=organization.pk)
    key = new_key()
    now = timezone.now()
    scim_key = ScimKey.objects.filter(organization=organization).first()
    replaced = ""
    if scim_key is None:
        scim_key = ScimKey(organization=organization)
    elif scim_key.digest is not None:
        replaced = scim_key.hint
        scim_key.previous_digest = scim_key.digest
    scim_key.digest = _digest(key)
    scim_key.hint = key[-4:]
    scim_key.issued_at = now
    scim_key.issued_by = by.user
    scim_key.issued_by_label = by.label[:200]
    scim_key.revoked_at = None
    scim_key.last_used_at = None
    scim_key.last_status = None
    scim_key.save()
    organization.scim_key = scim_key
    summary = f"Secret key …{scim_key.hint} generated"
    if replaced:
        summary += f"; key …{replaced} no longer works"
    record_event(organization, by=by, action="key.generated", summary=summary)
    return key


@transaction.atomic
def revoke_key(organization: Organization, *, by: Actor) -> bool:
    """Stop the organization's key from working, without a replacement; False if it had none."""
    # NO KEY UPDATE queues concurrent regenerates without blocking SCIM writes' foreign-key
    # checks on the organization row (which would deadlock with hold_key).
    Organization.objects.select_for_update(no_key=True).only("pk").get(pk=organization.pk)
    scim_key = ScimKey.objects.filter(organization=organization, digest__isnull=False).first()
    if scim_key is None:
        return False
    scim_key.previous_digest = scim_key.digest
    scim_key.digest = None
    scim_key.revoked_at = timezone.now()
    scim_key.save(update_fields=["previous_digest", "digest", "revoked_at"])
    organization.scim_key = scim_key
    record_event(organization, by=by, action="key.revoked", summary=f"Secret key …{scim_key.hint} revoked")
    return True


# The columns of a key and its organization, in model order, with each column's converters.
_Hydrate = tuple[str, list[tuple[Any, list[Any]]], list[tuple[Any, list[Any]]]]


@functools.cache
def _key_lookup(vendor: str) -> _Hydrate:
    """The key look-up's SQL for this database, written once per process from the two models.

    Every SCIM request authenticates, and compiling this one indexed join through the ORM
    cost about 0.7 ms of CPU per request against 0.2 ms for running it (docs/performance.md,
    "Issue 9: where it stands"); the SQL never changes, so it is built from ``_meta`` once,
    and rows are converted with the same converters Django's compiler would apply.
    """
    quote = connection.ops.quote_name

    def columns(model: type[models.Model], alias: str) -> list[tuple[Any, list[Any]]]:
        # The backend's converters, then the field's: the order SQLCompiler.get_converters applies.
        cols = [(f, f.get_col(alias)) for f in model._meta.concrete_fields]
        return [(f, connection.ops.get_db_converters(c) + c.get_db_converters(connection)) for f, c in cols]

    key_columns, organization_columns = columns(ScimKey, "k"), columns(Organization, "o")
    selected = ", ".join(
        [f"k.{quote(f.column)}" for f, _ in key_columns] + [f"o.{quote(f.column)}" for f, _ in organization_columns]
    )
    key_table, organization_table = quote(ScimKey._meta.db_table), quote(Organization._meta.db_table)
    organization_id = quote(ScimKey._meta.get_field("organization").column)  # type: ignore[union-attr]
    # Identifiers come from the models' _meta, quoted; the digest is the only parameter.
    sql = (
        f"SELECT {selected} FROM {key_table} k JOIN {organization_table} o "  # noqa: S608
        f"ON o.{quote('id')} = k.{organization_id} WHERE k.{quote('digest')} = %s"
    )
    return sql, key_columns, organization_columns


def _instance(model: type[M], fields: list[tuple[Any, list[Any]]], values: tuple[Any, ...]) -> M:
    converted = []
    for (field, converters), value in zip(fields, values, strict=True):
        for converter in converters:
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f, _ in fields], converted)


@sensitive_variables("raw")
def organization_for_key(raw: str) -> Organization | None:
    """Return the organization this key authenticates, or None.

    One indexed query (digest is unique); the key row comes along as
    ``organization.scim_key``. Malformed input is refused without touching the database.
    """
    if not _well_formed(raw):
        return None
    digest = _digest(raw)
    sql, key_columns, organization_columns = _key_lookup(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    scim_key = _instance(ScimKey, key_columns, row[: len(key_columns)])
    # The index lookup matched on the digest of a 256-bit secret; the comparison keeps
    # the decision itself free of timing differences all the same.
    if not constant_time_compare(scim_key.digest or "", digest):
        return None
    organization = _instance(Organization, organization_columns, row[len(key_columns) :])
    scim_key.organization = organization  # a one-to-one: also caches organization.scim_key
    return organization


def hold_key(organization: Organization) -> bool:
    """Inside a SCIM write's transaction: is the key that authenticated it still current?

    On PostgreSQL the key row is share-locked until the write commits, so a regenerate or
    revoke waits for writes already in flight, and a write that starts after one commits
    sees the new digest: no request with the old key succeeds once the rotation has
    committed. SQLite runs one write transaction at a time, so reading is enough there.
    """
    scim_key = getattr(organization, "scim_key", None)
    if scim_key is None or scim_key.digest is None:
        return False
    query = "SELECT 1 FROM keys_scimkey WHERE id = %s AND digest = %s"
    if connection.vendor == "postgresql":
        query += " FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(query, [scim_key.pk, scim_key.digest])
        return cursor.fetchone() is not None


@sensitive_variables("raw")
def organization_for_retired_key(raw: str) -> Organization | None:
    """Return the organization whose replaced or revoked key this is, to attribute a 401.

    Never authenticates anything: a request carrying a retired key is still refused.
    """
    if not _well_formed(raw):
        return None
    digest = _digest(raw)
    scim_key = next(
        iter(ScimKey.objects.select_related("organization").filter(previous_digest=digest).order_by()[:1]), None
    )
    if scim_key is None or not constant_time_compare(scim_key.previous_digest or "", digest):
        return None
    return scim_key.organization


def record_key_use(organization: Organization, *, status: int) -> None:
    """Note that the IdP just made a SCIM request answered with ``status``.

    Writes only when the last note is older than a minute or the outcome flipped between
    success and failure, so most SCIM requests cost no write. Decides from
    ``organization.scim_key`` as already loaded by ``organization_for_key``.
    """
    try:
        scim_key = organization.scim_key
    except ScimKey.DoesNotExist:
        return
    now = timezone.now()
    failed = status >= 400
    if (
        scim_key.last_used_at is not None
        and scim_key.last_status is not None
        and now - scim_key.last_used_at < KEY_USE_RESOLUTION
        and (scim_key.last_status >= 400) == failed
    ):
        return
    # Matching the digest too keeps a request made just before a regenerate from
    # stamping the new key.
    ScimKey.objects.filter(pk=scim_key.pk, digest=scim_key.digest).update(last_used_at=now, last_status=status)
    scim_key.last_used_at = now
    scim_key.last_status = status


@transaction.atomic
def record_rejected_key(
    organization: Organization, *, by: Actor, key_hint: str, address: str, method: str, path: str, throttled: bool
) -> Event:
    """Count one request refused because it carried the organization's replaced or revoked key.

    Every such request with the key ending ``key_hint`` from ``address`` within
    REJECTED_KEY_INTERVAL of the first shares one ``scim.failed`` event, its count and
    summary updated in place: whoever holds an old key adds at most one row per address
    per interval to the activity page, and no text of their choosing beyond a bounded
    path of safe characters. (Two first requests racing may open two rows; later ones
    count on the newest, so the total stays right.) ``throttled`` says it was answered
    429 rather than 401; the event keeps 401, the reason it was refused.
    """
    now = timezone.now()
    method = re.sub(r"[^A-Z]", "", method.upper())[:10]
    path = _UNSAFE_IN_PATH.sub("", path)[:120]
    event = (
        Event.objects.select_for_update()
        .filter(
            organization=organization,
            action="scim.failed",
            created_at__gte=now - REJECTED_KEY_INTERVAL,
            changes__key_hint=key_hint,
            changes__address=address,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    counts = event.changes if event is not None else {}
    requests = counts.get("requests", 0) + 1
    throttled_count = counts.get("throttled", 0) + int(throttled)
    minutes = int(REJECTED_KEY_INTERVAL.total_seconds() // 60)
    summary = (
        f"{requests} request{'s' if requests != 1 else ''} with the replaced or revoked key ending …{key_hint} "
        f"from {address} refused within {minutes} minutes (last: {method} {path})"
    )
    if throttled_count:
        summary += f"; {throttled_count} answered 429 Too Many Requests, over the limit of wrong keys per address"
    summary += "."
    changes = {"requests": requests, "throttled": throttled_count, "key_hint": key_hint, "address": address}
    if event is None:
        return record_event(organization, by=by, action="scim.failed", status=401, summary=summary, changes=changes)
    event.summary = summary
    event.changes = changes
    event.save(update_fields=["summary", "changes"])
    return event
