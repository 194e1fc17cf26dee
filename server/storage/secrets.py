"""Encrypted DHIS2 values as a whole: counting them by key and re-encrypting them
(`datastore encryption status|rotate`). Ciphertexts live in entry.secret as
"v1.<key id>.<data>" (server/services/crypto.py)."""

from __future__ import annotations

from peewee import SQL, fn

from server.storage.models import Entry

_PREFIX = len("v1.00000000.")


def _prefix(kid: str) -> str:
    return f"v1.{kid}."


def count_encrypted() -> int:
    return Entry.select().where(Entry.encrypted == True).count()  # noqa: E712 - SQL, not Python


def count_by_key() -> dict[str, int]:
    """Encrypted values per stored prefix ("v1.<key id>.")."""
    prefix = fn.SUBSTR(Entry.secret, 1, _PREFIX)
    rows = (
        Entry.select(prefix, fn.COUNT(Entry.id))
        .where(Entry.encrypted == True)  # noqa: E712
        .group_by(SQL("1"))  # by position: PostgreSQL does not match a parameterised expression
        .order_by(SQL("1"))
        .tuples()
    )
    return {p or "": n for p, n in rows}


def not_under(kid: str, after_id: int, limit: int) -> list[tuple[int, str, str]]:
    """(id, uid, secret) of up to `limit` encrypted entries past `after_id`, in id order,
    whose ciphertext is not under key `kid`."""
    prefix = _prefix(kid)
    query = (
        Entry.select(Entry.id, Entry.uid, Entry.secret)
        .where(
            (Entry.encrypted == True)  # noqa: E712
            & (Entry.id > after_id)
            & (fn.COALESCE(fn.SUBSTR(Entry.secret, 1, len(prefix)), "") != prefix)
        )
        .order_by(Entry.id)
        .limit(limit)
    )
    return list(query.tuples())


def swap_secret(entry_id: int, old: str, new: str) -> bool:
    """Replaces the ciphertext if it is still `old` (a concurrent update wins). Revision
    and timestamps stay: the value is the same."""
    return bool(Entry.update(secret=new).where((Entry.id == entry_id) & (Entry.secret == old)).execute())
