"""Argus responses (its documented result envelope) written from domain values.

Customer and user names come in as a dict the servicer looked up beforehand; nothing
here reads the database.
"""

from __future__ import annotations

import json

from google.protobuf import struct_pb2

from datastore.argus.v1 import datastores_pb2 as a
from server.domain import types as t


def customer_ids(descriptors: list[t.Descriptor] = (), entries: list[t.Entry] = ()) -> set[int]:
    """The customers whose names a response about these values shows."""
    ids = {e.customer_id for e in entries}
    ids |= {r.customer_id for x in (*descriptors, *entries) for r in (x.updated_by,) if r}
    return ids


def _customer(customer_id: int, names: dict[int, str], out: a.CustomerInfo) -> None:
    out.id = customer_id
    out.name = names.get(customer_id, "")
    out.short_name = out.name


def _user(ref: t.UserRef | None, names: dict[int, str], out: a.UserInfo) -> None:
    if ref is None:
        return
    out.id, out.customer_id, out.name, out.user_name, out.type = (
        ref.id,
        ref.customer_id,
        ref.username,
        ref.username,
        "user",
    )
    _customer(ref.customer_id, names, out.customer)


def _descriptor(d: t.Descriptor, names: dict[int, str], out: a.Descriptor) -> None:
    out.name, out.description = d.name, d.description
    out.data_type, out.behaviour_type = d.data_type.value, d.behaviour_type.value
    out.life_time, out.global_data, out.expire_data = d.life_time, d.global_data, d.expire_data
    out.deleted, out.use_lower_case_keys = d.deleted, d.use_lower_case_keys
    out.last_updated_timestamp = d.updated_at
    _user(d.updated_by, names, out.last_updated_by_user)


def _entry(e: t.Entry, names: dict[int, str], out: a.Entry) -> None:
    out.data_store_name, out.key, out.customer_id = e.store, e.key, e.customer_id
    if e.has_value:  # Argus values are strings; other JSON travels as its text
        out.value = e.value if isinstance(e.value, str) else json.dumps(e.value, separators=(",", ":"))
    _customer(e.customer_id, names, out.customer)
    if e.deleted:
        out.flags.append("DELETED")
    out.last_updated_timestamp = e.updated_at
    _user(e.updated_by, names, out.last_updated_by_user)


def _envelope(cls, *, limit: int = 0, offset: int = 0, count: int = 0, size: int = 0):
    envelope = cls(response_code=200, limit=limit, offset=offset, count=count, size=size)
    envelope.meta_data.CopyFrom(struct_pb2.Struct())
    return envelope


def descriptor_envelope(d: t.Descriptor, names: dict[int, str]) -> a.DescriptorEnvelope:
    envelope = _envelope(a.DescriptorEnvelope)
    _descriptor(d, names, envelope.data)
    return envelope


def descriptor_list(page: t.Page, limit: int, offset: int, names: dict[int, str]) -> a.DescriptorListEnvelope:
    envelope = _envelope(a.DescriptorListEnvelope, limit=limit, offset=offset, count=page.total, size=len(page.items))
    for d in page.items:
        _descriptor(d, names, envelope.data.add())
    return envelope


def entry_envelope(e: t.Entry, names: dict[int, str]) -> a.EntryEnvelope:
    envelope = _envelope(a.EntryEnvelope)
    _entry(e, names, envelope.data)
    return envelope


def entry_list(
    entries: list[t.Entry], names: dict[int, str], *, limit: int = 0, offset: int = 0, count: int | None = None
) -> a.EntryListEnvelope:
    total = len(entries) if count is None else count
    envelope = _envelope(a.EntryListEnvelope, limit=limit, offset=offset, count=total, size=len(entries))
    for e in entries:
        _entry(e, names, envelope.data.add())
    return envelope
