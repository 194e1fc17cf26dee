"""The DHIS2 façade: dataStore, userDataStore and sharing in DHIS2's shapes
(raw values, web messages, the query API's pager) over Dhis2Service."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from datastore.dhis2.v1 import datastore_pb2 as d
from datastore.dhis2.v1 import datastore_pb2_grpc
from datastore.options.v1 import http_options_pb2
from server.api import converters as c
from server.api.context import current_principal
from server.domain import types as t
from server.domain.errors import InvalidArgument
from server.facades.dhis2.service import SHARED, Dhis2Service, EntryView, QueryParams
from server.facades.dhis2.sharing import Dhis2Sharing

# The success messages the DHIS2 documentation shows, per store: (reason phrase, text). The userDataStore
# ones are reproduced as that documentation shows them, including "Created" for updates and
# the missing quote after the namespace on key deletion, because clients match on them.
_MESSAGES = {
    False: {
        "created": ("OK", "Key '{key}' created."),
        "updated": ("OK", "Key '{key}' updated."),
        "deleted": ("OK", "Key '{key}' deleted from namespace '{ns}'."),
        "dropped": ("OK", "Namespace '{ns}' deleted."),
    },
    True: {
        "created": ("Created", "Key '{key}' in namespace '{ns}' created."),
        "updated": ("Created", "Key '{key}' in namespace '{ns}' updated."),
        "deleted": ("OK", "Key '{key}' deleted from the namespace '{ns}."),
        "dropped": ("OK", "All keys from namespace '{ns}' deleted."),
    },
}
# Each outcome answers with the success status the proto declares for the RPC that
# does it (a PUT that creates a key answers as POST does).
_OUTCOME_RPC = {
    "created": "CreateEntry",
    "updated": "UpdateEntry",
    "deleted": "DeleteEntry",
    "dropped": "DeleteNamespace",
}


def success_status(service: str, rpc: str) -> int:
    """The RPC's `http_success_status` option in the proto (200 if unset), as the REST
    shim reads it."""
    options = d.DESCRIPTOR.services_by_name[service].methods_by_name[rpc].GetOptions()
    return options.Extensions[http_options_pb2.http_success_status] or 200


_STATUS = {
    user_store: {what: success_status(service, rpc) for what, rpc in _OUTCOME_RPC.items()}
    for user_store, service in ((False, "DataStoreService"), (True, "UserDataStoreService"))
}
_SHARING_SET = success_status("SharingService", "SetSharing")


def _web_message(user_store: bool, what: str, ns: str, key: str = "") -> d.WebMessage:
    phrase, text = _MESSAGES[user_store][what]
    return d.WebMessage(
        http_status=phrase,
        http_status_code=_STATUS[user_store][what],
        status="OK",
        message=text.format(key=key, ns=ns),
    )


_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


def parse_date(text: str, field: str = "lastUpdated") -> int | None:
    """An ISO 8601 date or date-time as DHIS2 takes it (2024, 2024-05, 2024-05-01,
    2024-05-01T10:00[:00[.000]][Z|+02:00]; UTC without a zone) -> epoch milliseconds."""
    text = text.strip()
    if not text:
        return None
    m = _DATE.fullmatch(text)
    try:
        if m is None:
            raise ValueError
        year, month, day, hour, minute, second, fraction, zone = m.groups()
        tz = UTC
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        moment = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]), tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        raise InvalidArgument.for_field(
            field, f"'{text}' is not a date like 2024-05-01 or 2024-05-01T10:00:00"
        ) from None
    return int(moment.timestamp() * 1000)


def iso(ms: int) -> str:
    """DHIS2's timestamp form: 2024-01-31T12:00:00.000 (UTC)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}"


def _user(ref: t.UserRef | None, out: d.UserRef) -> None:
    if ref is not None:
        out.id, out.username, out.name = ref.username, ref.username, ref.username


def _access(view: EntryView, out: d.Access) -> None:
    a = view.access
    out.read, out.write, out.update, out.delete, out.manage, out.externalize = (
        a.read,
        a.write,
        a.write,
        a.write,
        a.manage,
        False,
    )


def _metadata(view: EntryView) -> d.EntryMetaData:
    e = view.entry
    out = d.EntryMetaData(
        id=e.uid,
        created=iso(e.created_at),
        last_updated=iso(e.updated_at),
        namespace=e.namespace,
        key=e.key,
        encrypted=e.encrypted,
    )
    _user(e.created_by, out.user)
    _user(e.created_by, out.created_by)
    _user(e.updated_by, out.last_updated_by)
    _access(view, out.access)
    if e.owner_user_id == SHARED:
        out.sharing.owner = e.created_by.username if e.created_by else ""
        out.sharing.external = e.external_access
        out.sharing.public = e.public_access
        for g in view.sharing:
            target = out.sharing.users if g.kind == "user" else out.sharing.user_groups
            target[g.name].id, target[g.name].access = g.name, g.access
    return out


class _StoreServicer:
    """The RPCs dataStore and userDataStore share; `user_store` picks the scope."""

    user_store = False

    def __init__(self, service: Dhis2Service) -> None:
        self.service = service

    def _owner(self, request) -> tuple[t.Principal, int]:
        principal = current_principal()
        return principal, self.service.owner(principal, self.user_store, request.username)

    def ListNamespaces(self, request, context):
        principal, owner = self._owner(request)
        return d.ListNamespacesResponse(namespaces=self.service.list_namespaces(principal, owner))

    def ListKeys(self, request, context):
        principal, owner = self._owner(request)
        keys = self.service.list_keys(principal, owner, request.namespace, parse_date(request.last_updated))
        return d.ListKeysResponse(keys=keys)

    def GetNamespace(self, request, context):
        principal, owner = self._owner(request)
        params = QueryParams(
            fields=request.fields if request.HasField("fields") else None,
            filters=tuple(request.filter),
            order=request.order,
            root_junction=request.root_junction,
            page=request.page,
            page_size=request.page_size,
            paging=request.paging if request.HasField("paging") else True,
            headless=request.headless,
            include_all=request.include_all,
        )
        out = d.GetNamespaceResponse()
        if not self.service.has_query(params):
            since = parse_date(request.last_updated)
            c.value_to_proto(self.service.list_keys(principal, owner, request.namespace, since), out.result)
            return out
        result = self.service.query(principal, owner, request.namespace, params)
        if result.headless:
            c.value_to_proto(result.entries, out.result)
        else:
            body = {"pager": {"page": result.page, "pageSize": result.page_size}, "entries": result.entries}
            c.value_to_proto(body, out.result)
        return out

    def GetEntry(self, request, context):
        principal, owner = self._owner(request)
        value = self.service.get(principal, owner, request.namespace, request.key)
        return d.GetEntryResponse(value=c.value_to_proto(value))

    def GetEntryMetaData(self, request, context):
        principal, owner = self._owner(request)
        return _metadata(self.service.metadata(principal, owner, request.namespace, request.key))

    def CreateEntry(self, request, context):
        principal, owner = self._owner(request)
        value = c.value_from_proto(request.value) if request.HasField("value") else t.MISSING
        self.service.create(principal, owner, request.namespace, request.key, value, encrypt=request.encrypt)
        return _web_message(self.user_store, "created", request.namespace, request.key)

    def UpdateEntry(self, request, context):
        principal, owner = self._owner(request)
        value = c.value_from_proto(request.value) if request.HasField("value") else t.MISSING
        roll = request.roll if request.HasField("roll") else None
        created = self.service.update(
            principal,
            owner,
            request.namespace,
            request.key,
            value,
            path=request.path,
            roll=roll,
            encrypt=request.encrypt,
        )
        return _web_message(self.user_store, "created" if created else "updated", request.namespace, request.key)

    def DeleteEntry(self, request, context):
        principal, owner = self._owner(request)
        self.service.delete(principal, owner, request.namespace, request.key)
        return _web_message(self.user_store, "deleted", request.namespace, request.key)

    def DeleteNamespace(self, request, context):
        principal, owner = self._owner(request)
        self.service.delete_namespace(principal, owner, request.namespace)
        return _web_message(self.user_store, "dropped", request.namespace)


class DataStoreServicer(_StoreServicer, datastore_pb2_grpc.DataStoreServiceServicer):
    user_store = False

    def ListProtections(self, request, context):
        principal = current_principal()
        out = d.ListProtectionsResponse()
        if request.namespace:
            found = self.service.sharing.get_protection(principal, request.namespace)
            protections = [found] if found else []
        else:
            protections = self.service.sharing.list_protections(principal)
        for p in protections:
            out.protections.append(_protection(p))
        shown = [_protection_json(p) for p in protections]
        c.value_to_proto((shown[0] if shown else None) if request.namespace else shown, out.result)
        return out

    def SetProtection(self, request, context):
        """`authorities` pass both protections; DHIS2's readAuthorities/writeAuthorities
        are taken too, if they name the same groups (one set is stored)."""
        p = request.protection
        authorities = list(dict.fromkeys([*p.authorities, *p.read_authorities, *p.write_authorities]))
        for field, given in (("readAuthorities", p.read_authorities), ("writeAuthorities", p.write_authorities)):
            if given and set(given) != set(authorities):
                raise InvalidArgument.for_field(field, "must name the same groups as authorities (one set here)")
        protection = t.Protection(
            namespace=p.namespace,
            read_mode=(p.reads or "NONE").upper(),
            write_mode=(p.writes or "RESTRICTED").upper(),
            authorities=tuple(authorities),
        )
        return _protection(self.service.sharing.set_protection(current_principal(), protection))


def _protection(p: t.Protection) -> d.NamespaceProtection:
    authorities = list(p.authorities)
    return d.NamespaceProtection(
        namespace=p.namespace,
        reads=p.read_mode,
        writes=p.write_mode,
        authorities=authorities,
        read_authorities=authorities,
        write_authorities=authorities,
    )


def _protection_json(p: t.Protection) -> dict:
    authorities = list(p.authorities)
    return {
        "namespace": p.namespace,
        "reads": p.read_mode,
        "writes": p.write_mode,
        "authorities": authorities,
        "readAuthorities": authorities,
        "writeAuthorities": authorities,
    }


class UserDataStoreServicer(_StoreServicer, datastore_pb2_grpc.UserDataStoreServiceServicer):
    user_store = True


class Dhis2SharingServicer(datastore_pb2_grpc.SharingServiceServicer):
    def __init__(self, sharing: Dhis2Sharing) -> None:
        self.sharing = sharing

    def GetCurrentUser(self, request, context):
        user = self.sharing.current_user(current_principal(), request.fields)
        return d.GetCurrentUserResponse(user=c.value_to_proto(user))

    def GetSharing(self, request, context):
        view = self.sharing.get_sharing(current_principal(), request.id, request.type)
        e = view.entry
        out = d.GetSharingResponse()
        out.meta.allow_public_access, out.meta.allow_external_access = True, True
        o = out.object
        o.id, o.name, o.display_name = e.uid, e.key, e.key
        o.public_access, o.external_access = e.public_access, e.external_access
        owner = e.created_by.username if e.created_by else ""
        o.user.id, o.user.name = owner, owner
        for g in view.sharing:
            target = o.user_accesses if g.kind == "user" else o.user_group_accesses
            target.add(id=g.name, name=g.name, display_name=g.name, access=g.access)
        _access(view, o.access)
        return out

    def SetSharing(self, request, context):
        o = request.body.object
        self.sharing.set_sharing(
            current_principal(),
            request.id,
            request.type,
            public_access=o.public_access,
            external_access=o.external_access,
            users=[(a.id, a.access) for a in o.user_accesses],
            groups=[(a.id, a.access) for a in o.user_group_accesses],
        )
        return d.WebMessage(
            http_status="OK",
            http_status_code=_SHARING_SET,
            status="OK",
            message="Access control set",
        )
