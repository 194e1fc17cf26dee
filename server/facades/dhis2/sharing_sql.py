"""The DHIS2 sharing rule for dataStore keys, written once and answered in SQL only.

Who may read, write or manage (change the sharing of) a key:
- administrators (DHIS2 superusers) and, in a userDataStore, its owner: everything (no
  check: `condition` gives None);
- anybody else: an action is granted by its letter at its position in the key's public
  access string (read and write only), by being the key's creator, or by a grant to the
  caller or one of its groups holding that letter at that position.

Only the metadata part of an access string (its first two characters) is used, as
DHIS2's AccessStringHelper.disableDataSharing makes it for dataStore keys.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

import peewee
from peewee import SQL, fn

from server.domain import types as t
from server.storage.models import Entry, EntryAccess

SHARED = 0  # the owner of dataStore entries; any other owner is a userDataStore


@dataclass(frozen=True)
class Action:
    position: int  # 1-based, in an access string such as "rw------"
    letter: str
    public: bool  # whether the public access string can grant it


READ = Action(1, "r", public=True)
WRITE = Action(2, "w", public=True)
MANAGE = Action(2, "w", public=False)


@dataclass(frozen=True)
class Access:
    """What a caller may do with one key."""

    read: bool
    write: bool
    manage: bool


EVERYTHING = Access(True, True, True)


def reader(principal: t.Principal, owner: int = SHARED) -> t.Reader | None:
    """The caller as the rule sees it; None in a userDataStore, whose owner scope
    already decides."""
    if owner != SHARED:
        return None
    return t.Reader(principal.user_id, principal.group_ids, principal.admin)


def grantee(kind: str, ident: int) -> str:
    """EntryAccess.grantee of a user or group grant: "u:<id>" or "g:<id>"."""
    return f"{'u' if kind == 'user' else 'g'}:{ident}"


def condition(who: t.Reader | None, action: Action) -> peewee.Expression | None:
    """SQL on Entry: `who` may do `action` with the row. None: no check (admins, and
    the userDataStore's owner scope)."""
    if who is None or who.admin:
        return None
    granted = EntryAccess.select(SQL("1")).where(
        (EntryAccess.entry == Entry.id)
        & EntryAccess.grantee.in_([grantee("user", who.user_id), *(grantee("group", g) for g in who.group_ids)])
        & (fn.SUBSTR(EntryAccess.access, action.position, 1) == action.letter)
    )
    grounds = [(Entry.created_by == who.user_id), fn.EXISTS(granted)]
    if action.public:
        grounds.insert(0, fn.SUBSTR(Entry.public_access, action.position, 1) == action.letter)
    return reduce(operator.or_, grounds)
