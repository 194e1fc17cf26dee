"""Plain, immutable domain values passed between services and the api layer."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

GLOBAL_CUSTOMER_ID = 0


class _Missing:
    """The type of MISSING."""

    def __repr__(self) -> str:
        return "MISSING"

    def __copy__(self) -> _Missing:
        return self

    def __deepcopy__(self, memo: dict) -> _Missing:
        return self


# The server's one "no value" marker: a value that was not given at all (no body, no
# `value` field), as opposed to one given as JSON null (None).
MISSING: Any = _Missing()


class DataType(enum.StrEnum):
    MAP = "MAP"
    LIST = "LIST"


class BehaviourType(enum.StrEnum):
    CENTRAL = "CENTRAL"
    LOCAL = "LOCAL"
    DISTRIBUTED = "DISTRIBUTED"


class Access(enum.StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class UserRef:
    """A reduced user (Argus's UserInfo)."""

    id: int
    username: str
    customer_id: int


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, resolved once per call by the authentication call rule."""

    user_id: int
    username: str
    customer_id: int
    admin: bool
    global_data: bool
    readable: frozenset[int]
    writable: frozenset[int]
    groups: tuple[str, ...] = ()
    token_id: int | None = None  # None when authenticated by password
    group_ids: tuple[int, ...] = ()

    @property
    def ref(self) -> UserRef:
        return UserRef(self.user_id, self.username, self.customer_id)

    def can_read(self, customer_id: int) -> bool:
        if customer_id == GLOBAL_CUSTOMER_ID:
            return self.admin or self.global_data
        return self.admin or customer_id in self.readable

    def can_write(self, customer_id: int) -> bool:
        if customer_id == GLOBAL_CUSTOMER_ID:
            return self.admin or self.global_data
        return self.admin or customer_id in self.writable


@dataclass(frozen=True)
class Descriptor:
    name: str
    description: str
    data_type: DataType
    behaviour_type: BehaviourType
    life_time: int
    global_data: bool
    expire_data: bool
    use_lower_case_keys: bool
    deleted: bool
    created_at: int
    created_by: UserRef | None
    updated_at: int
    updated_by: UserRef | None
    id: int = 0  # storage id, used to address the store's entries

    @property
    def reachable(self) -> bool:
        """Only CENTRAL stores keep data in the database (LOCAL and DISTRIBUTED ones
        live on processing nodes, out of the API's reach)."""
        return self.behaviour_type is BehaviourType.CENTRAL

    def expiry_cutoff(self, now_ms: int) -> int | None:
        """Entries last updated before this instant are expired (None: no retention)."""
        return now_ms - self.life_time if self.expire_data else None


@dataclass(frozen=True)
class DescriptorSpec:
    """What a caller sets when creating a store (None: not given)."""

    name: str
    description: str = ""
    data_type: DataType | None = None
    behaviour_type: BehaviourType | None = None
    life_time: int = 0
    global_data: bool = False
    expire_data: bool = False
    use_lower_case_keys: bool = False


@dataclass(frozen=True)
class DescriptorSearch:
    """Keyword search over descriptors (Argus). Fields: name, description."""

    keywords: tuple[str, ...] = ()
    fields: tuple[str, ...] = ("name", "description")
    match_all: bool = True
    exclude: bool = False
    sort: tuple[tuple[str, bool], ...] = (("name", False),)  # (field, descending)
    include_deleted: bool = False
    deleted: bool | None = None  # True: only deleted ones, False: none, None: no filter
    limit: int = 0
    offset: int = 0


@dataclass(frozen=True)
class Selection:
    """Which entries of one store a query returns, in which order, which page.

    customers None means every customer (administrators); limit 0 means no limit.
    """

    customers: frozenset[int] | None
    keys: tuple[str, ...] = ()
    where: Any = None  # a query AST node (server.query.ast) or None
    order: tuple[Any, ...] = ()  # query AST Order items
    limit: int = 0
    offset: int = 0
    include_deleted: bool = False
    # True: only deleted entries, False: no deleted ones (expired ones stay with
    # include_deleted), None: no filter. Applied on top of include_deleted.
    deleted: bool | None = None


@dataclass(frozen=True)
class Entry:
    store: str
    customer_id: int
    key: str
    value: Any  # JSON value (None is JSON null); unused when has_value is False
    has_value: bool  # MAP entries have a value, LIST entries only a key
    revision: int
    deleted: bool
    created_at: int
    created_by: UserRef | None
    updated_at: int
    updated_by: UserRef | None


@dataclass(frozen=True)
class Expect:
    """What a conditional write (compare-and-set, AIP-154 etags) requires of its entry:
    Expect.ANY (nothing: write anyway), Expect.ABSENT (the entry must not exist: create
    only; a deleted or expired one counts as absent) or Expect.revision(n) (the entry
    must exist at revision n >= 1)."""

    kind: str  # "any" | "absent" | "revision"
    number: int = 0  # the revision, for kind "revision"

    ANY: ClassVar[Expect]
    ABSENT: ClassVar[Expect]

    def __post_init__(self) -> None:
        if self.kind not in ("any", "absent", "revision") or (self.kind == "revision") != (self.number >= 1):
            raise ValueError(f"not an expectation: {self.kind} {self.number}")

    @classmethod
    def revision(cls, number: int) -> Expect:
        return cls("revision", number)


Expect.ANY = Expect("any")
Expect.ABSENT = Expect("absent")


@dataclass(frozen=True)
class GrantInfo:
    customer_id: int
    access: Access
    username: str = ""
    group_name: str = ""


@dataclass(frozen=True)
class Page:
    items: list[Any] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class DataStructure:
    """Make: a record schema. spec items: {name, label, type, default, required}."""

    id: int
    team_id: int
    name: str
    spec: tuple[dict, ...]
    strict: bool


@dataclass(frozen=True)
class MakeStore:
    id: int
    team_id: int
    name: str
    datastructure_id: int | None
    max_size_mb: int
    records: int
    size_bytes: int
    descriptor: Descriptor


@dataclass(frozen=True)
class Record:
    key: str
    data: Any


# ------------------------------------------------------------------------ DHIS2

PUBLIC_DEFAULT = "rw------"  # DHIS2: new dataStore keys are public read/write


@dataclass(frozen=True)
class Reader:
    """Who runs a DHIS2 read or write, for sharing checks done in SQL: the user, its
    groups; admins (DHIS2 superusers) bypass sharing."""

    user_id: int
    group_ids: tuple[int, ...] = ()
    admin: bool = False


@dataclass(frozen=True)
class SharingGrant:
    kind: str  # "user" | "group"
    id: int
    name: str
    access: str  # "rw------" style


@dataclass(frozen=True)
class NamespaceEntry:
    """A DHIS2 dataStore (owner_user_id 0) or userDataStore entry."""

    id: int
    uid: str
    namespace: str
    owner_user_id: int
    key: str
    value: Any  # None when encrypted (the plaintext is in `secret`)
    encrypted: bool
    secret: str | None
    revision: int
    created_at: int
    created_by: UserRef | None
    updated_at: int
    updated_by: UserRef | None
    public_access: str = PUBLIC_DEFAULT
    external_access: bool = False
    rolls: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Protection:
    """DHIS2 namespace protection. Modes: NONE, RESTRICTED (403 without an authority),
    HIDDEN (as if absent without an authority). Authorities are group names."""

    namespace: str
    read_mode: str = "NONE"
    write_mode: str = "RESTRICTED"
    authorities: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamespaceQuery:
    """One DHIS2 query: filter (AST), order, page; fields are applied by the caller."""

    where: Any = None
    order: tuple[Any, ...] = ()
    limit: int = 0  # 0: no limit
    offset: int = 0
