"""Peewee models: the stored shape of customers, users, grants, tokens, stores and entries.

Timestamps are epoch milliseconds (BIGINT), as every documented API shows them.
"""

from __future__ import annotations

import peewee
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    ForeignKeyField,
    JSONField,
    TextField,
)

from server.storage.db import BaseModel


class Customer(BaseModel):
    id = BigIntegerField(primary_key=True)
    name = CharField(max_length=200)
    created_at = BigIntegerField()


class User(BaseModel):
    username = CharField(max_length=150, unique=True)
    password_hash = CharField(max_length=255)
    customer = ForeignKeyField(Customer, backref="users", on_delete="RESTRICT")
    admin = BooleanField(default=False)
    global_data = BooleanField(default=False)
    created_at = BigIntegerField()


class Group(BaseModel):
    name = CharField(max_length=128, unique=True)
    created_at = BigIntegerField()


class GroupMember(BaseModel):
    group = ForeignKeyField(Group, backref="members", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")

    class Meta:
        indexes = ((("group", "user"), True),)


class Grant(BaseModel):
    """Read or write access to every store's entries of one customer (as Argus DataStores documents it)."""

    customer = ForeignKeyField(Customer, backref="grants", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="grants", on_delete="CASCADE")
    group = ForeignKeyField(Group, null=True, backref="grants", on_delete="CASCADE")
    # "u:<id>" or "g:<id>": NULLs are distinct in unique indexes, so the grantee gets a
    # non-null key of its own to make (customer, grantee) unique.
    grantee = CharField(max_length=40)
    access = CharField(max_length=8)  # "read" | "write"

    class Meta:
        indexes = ((("customer", "grantee"), True),)


class Token(BaseModel):
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    # SHA-256 of the token: tokens are 256-bit random, so a fast hash is safe and lets
    # us look them up by hash; passwords (low entropy) use argon2 instead.
    token_hash = CharField(max_length=64, unique=True)
    created_at = BigIntegerField()
    expires_at = BigIntegerField(index=True)


# Descriptor kinds: which API owns a store. Argus descriptors are the only ones the
# descriptor APIs list; the others back Make data stores and DHIS2 namespaces.
KIND_ARGUS, KIND_MAKE, KIND_DHIS2 = "argus", "make", "dhis2"


class Descriptor(BaseModel):
    name = CharField(max_length=128, unique=True)
    kind = CharField(max_length=8, default=KIND_ARGUS)
    description = TextField(default="")
    data_type = CharField(max_length=8)
    behaviour_type = CharField(max_length=16)
    life_time = BigIntegerField(default=0)
    global_data = BooleanField(default=False)
    expire_data = BooleanField(default=False)
    use_lower_case_keys = BooleanField(default=False)
    deleted = BooleanField(default=False)
    created_at = BigIntegerField()
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_at = BigIntegerField()
    updated_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")


class Entry(BaseModel):
    """One entry of one store, scoped to a customer (0 for global stores).

    owner_user_id is the user scope of userDataStore entries (0 = no user scope).
    DHIS2 entries also have a uid (their metaData id), may be encrypted (value NULL,
    ciphertext in `secret`) and carry DHIS2 sharing: public_access ("rw------") plus
    EntryAccess rows; their owner is created_by. `rolls` remembers roll sizes by path.
    """

    descriptor = ForeignKeyField(Descriptor, backref="entries", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="+", on_delete="RESTRICT")
    owner_user_id = BigIntegerField(default=0)
    key = CharField(max_length=255)
    value = JSONField(null=True)
    revision = BigIntegerField(default=1)
    deleted = BooleanField(default=False)
    created_at = BigIntegerField()
    created_by = BigIntegerField(null=True)
    updated_at = BigIntegerField()
    updated_by = BigIntegerField(null=True)
    uid = CharField(max_length=11, null=True, unique=True)
    encrypted = BooleanField(default=False)
    secret = TextField(null=True)
    public_access = CharField(max_length=8, default="rw------")
    external_access = BooleanField(default=False)
    rolls = JSONField(null=True)

    class Meta:
        indexes = (
            (("descriptor", "customer", "owner_user_id", "key"), True),
            (("descriptor", "updated_at"), False),
        )


class EntryAccess(BaseModel):
    """DHIS2 sharing of one entry with a user ("u:<id>") or a group ("g:<id>")."""

    entry = ForeignKeyField(Entry, backref="accesses", on_delete="CASCADE")
    grantee = CharField(max_length=40)
    access = CharField(max_length=8)  # "rw------" style

    class Meta:
        indexes = ((("entry", "grantee"), True), (("grantee",), False))


class NamespaceProtection(BaseModel):
    """DHIS2 namespace protection: for reads and for writes, NONE / RESTRICTED (403
    without an authority) / HIDDEN (looks absent without an authority). Authorities
    are group names."""

    namespace = CharField(max_length=128, unique=True)
    read_mode = CharField(max_length=10, default="NONE")
    write_mode = CharField(max_length=10, default="RESTRICTED")
    authorities = JSONField(default=list)


class DataStructure(BaseModel):
    """Make: a team's record schema (`spec`: typed fields; `strict`: nothing else)."""

    team = ForeignKeyField(Customer, backref="+", on_delete="CASCADE")
    name = CharField(max_length=128)
    spec = JSONField()
    strict = BooleanField(default=False)
    created_at = BigIntegerField()
    updated_at = BigIntegerField()


class MakeStore(BaseModel):
    """Make: a team's data store, backed by a descriptor whose entries are the records
    (scoped to the team's customer). Names need not be unique, so the descriptor gets a
    generated one and this row keeps the display name."""

    descriptor = ForeignKeyField(Descriptor, unique=True, backref="+", on_delete="CASCADE")
    team = ForeignKeyField(Customer, backref="+", on_delete="CASCADE")
    name = CharField(max_length=128)
    datastructure = ForeignKeyField(DataStructure, null=True, backref="stores", on_delete="RESTRICT")
    max_size_mb = BigIntegerField()
    created_at = BigIntegerField()


class SchemaVersion(BaseModel):
    version = peewee.IntegerField()


MODELS: list[type[BaseModel]] = [
    Customer,
    User,
    Group,
    GroupMember,
    Grant,
    Token,
    Descriptor,
    Entry,
    EntryAccess,
    NamespaceProtection,
    DataStructure,
    MakeStore,
    SchemaVersion,
]
