"""The DHIS2 sharing rule (server/facades/dhis2/sharing_sql.py) as a table, and a check that
the SQL a real database runs answers it in every cell.

Every entry is created by "creator" and shared with "user r" ("r-------"), "user rw"
("rw------"), group 10 ("r-------") and group 11 ("rw------"); only the public access
string varies. A cell is what the caller may do: r(ead), w(rite), m(anage: change the
sharing); "-" where not.
"""

from __future__ import annotations

from server.domain import types as t

MASKS = ("--------", "r-------", "-w------", "rw------")

# caller -> (user id, group ids, admin); None: the userDataStore's owner scope
CALLERS: dict[str, tuple[int, tuple[int, ...], bool] | None] = {
    "admin": (90, (), True),
    "owner scope": None,
    "creator": (1, (), False),
    "user r": (2, (), False),
    "user rw": (3, (), False),
    "group r": (4, (10,), False),
    "group rw": (5, (11,), False),
    "user r, group rw": (2, (11,), False),
    "nobody": (6, (12,), False),
}
GRANTS = (("user", 2, "r-------"), ("user", 3, "rw------"), ("group", 10, "r-------"), ("group", 11, "rw------"))
CREATOR = 1

#                       "--------"  "r-------"  "-w------"  "rw------"
MATRIX = {
    "admin":            ("rwm",     "rwm",      "rwm",      "rwm"),
    "owner scope":      ("rwm",     "rwm",      "rwm",      "rwm"),
    "creator":          ("rwm",     "rwm",      "rwm",      "rwm"),
    "user r":           ("r--",     "r--",      "rw-",      "rw-"),
    "user rw":          ("rwm",     "rwm",      "rwm",      "rwm"),
    "group r":          ("r--",     "r--",      "rw-",      "rw-"),
    "group rw":         ("rwm",     "rwm",      "rwm",      "rwm"),
    "user r, group rw": ("rwm",     "rwm",      "rwm",      "rwm"),
    "nobody":           ("---",     "r--",      "-w-",      "rw-"),
}  # fmt: skip


def expected(caller: str, mask: str) -> str:
    return MATRIX[caller][MASKS.index(mask)]


def principal(caller: str) -> t.Principal:
    ident = CALLERS[caller] or (7, (), False)
    user_id, group_ids, admin = ident
    return t.Principal(
        user_id=user_id,
        username=caller,
        customer_id=1,
        admin=admin,
        global_data=admin,
        readable=frozenset(),
        writable=frozenset(),
        group_ids=group_ids,
    )


def sql_answers(db) -> dict[tuple[str, str], str]:
    """(caller, mask) -> "rwm" as the database answers it, through every storage call
    that applies the rule: access (one query), may (per action), list_keys (the read
    filter of listings and queries) and first_unwritable (the write filter)."""
    from server.facades.dhis2 import sharing_sql
    from server.facades.dhis2 import storage as ns_repo

    def run(database):
        with database.atomic() as txn:
            entries = {}
            for i, mask in enumerate(MASKS):
                descriptor = ns_repo.ensure_namespace(f"rule{i}", None)
                ns_repo.create_entry(
                    descriptor,
                    sharing_sql.SHARED,
                    "doc",
                    uid=f"uidRule{i:04}",
                    value={"v": i},
                    secret=None,
                    user_id=CREATOR,
                )
                entry = ns_repo.get_entry(f"rule{i}", descriptor, sharing_sql.SHARED, "doc")
                grants = [t.SharingGrant(kind, ident, "", access) for kind, ident, access in GRANTS]
                ns_repo.set_sharing(entry.id, mask, False, grants)
                entries[mask] = (descriptor, entry.id)
            answers = {}
            for caller, ident in CALLERS.items():
                owner = sharing_sql.SHARED if ident is not None else 7
                reader = sharing_sql.reader(principal(caller), owner)
                for mask, (descriptor, entry_id) in entries.items():
                    access = ns_repo.access(entry_id, reader)
                    cell = "".join(
                        letter if allowed else "-"
                        for letter, allowed in zip("rwm", (access.read, access.write, access.manage), strict=True)
                    )
                    singly = "".join(
                        letter if ns_repo.may(entry_id, reader, action) else "-"
                        for letter, action in zip(
                            "rwm", (sharing_sql.READ, sharing_sql.WRITE, sharing_sql.MANAGE), strict=True
                        )
                    )
                    assert singly == cell, (caller, mask, singly, cell)
                    listed = ns_repo.list_keys(descriptor, sharing_sql.SHARED, reader) == ["doc"]
                    writable = ns_repo.first_unwritable(descriptor, sharing_sql.SHARED, reader) is None
                    assert (listed, writable) == (cell[0] == "r", cell[1] == "w"), (caller, mask, cell)
                    answers[caller, mask] = cell
            txn.rollback()
        return answers

    return db.run(run)


def check_matrix(db) -> None:
    """The database's answers are the table's, cell by cell."""
    got = sql_answers(db)
    want = {(caller, mask): expected(caller, mask) for caller in CALLERS for mask in MASKS}
    wrong = {cell: (got[cell], want[cell]) for cell in want if got[cell] != want[cell]}
    assert wrong == {}, "(caller, mask): (database, table)"
