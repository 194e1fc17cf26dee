"""The Make data stores façade: documented shapes over MakeService."""

from __future__ import annotations

from datastore.make.v2 import data_stores_pb2 as m
from datastore.make.v2 import data_stores_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.domain import types as t
from server.facades.make.service import MakeService, Paging


def _store(s: t.MakeStore) -> m.DataStore:
    return m.DataStore(
        id=s.id,
        name=s.name,
        records=s.records,
        size=str(s.size_bytes),
        max_size=str(s.max_size_mb * 1024 * 1024),
        team_id=s.team_id,
        datastructure_id=s.datastructure_id or 0,
    )


def _spec_in(fields) -> list[dict]:
    return [
        {
            "name": f.name,
            "label": f.label,
            "type": f.type or "text",
            "default": c.value_from_proto(f.default_value, "default") if f.HasField("default_value") else None,
            "required": f.required,
        }
        for f in fields
    ]


def _spec_out(spec, out) -> None:
    for f in spec:
        field = out.add(
            name=f["name"], label=f.get("label", ""), type=f.get("type", "text"), required=f.get("required", False)
        )
        if f.get("default") is not None:
            c.value_to_proto(f["default"], field.default_value)


def _structure(s: t.DataStructure) -> m.DataStructure:
    out = m.DataStructure(id=s.id, name=s.name, team_id=s.team_id, strict=s.strict)
    _spec_out(s.spec, out.spec)
    return out


def _record(r: t.Record) -> m.Record:
    out = m.Record(key=r.key)
    out.data.SetInParent()  # {} rather than absent for an empty record
    for k, v in (r.data or {}).items():
        c.value_to_proto(v, out.data.fields[k])
    return out


def _data(struct) -> dict:
    return {k: c.value_from_proto(v, f"data.{k}") for k, v in struct.fields.items()}


def _paging(pg) -> dict:
    """A list request's `pg` as the service's keyword arguments."""
    return {"limit": pg.limit, "offset": pg.offset, "sort": pg.sort_by, "direction": pg.sort_dir}


def _page_info(p: Paging) -> m.PageInfo:
    return m.PageInfo(sort_by=p.sort, sort_dir="desc" if p.desc else "asc", limit=p.limit, offset=p.offset)


class MakeDataStoreServicer(data_stores_pb2_grpc.DataStoreServiceServicer):
    def __init__(self, service: MakeService) -> None:
        self.service = service

    def ListDataStores(self, request, context):
        listing = self.service.list_stores(current_principal(), request.team_id, **_paging(request.pg))
        stores = [_store(s) for s in listing.page.items]
        return m.ListDataStoresResponse(data_stores=stores, pg=_page_info(listing.paging))

    def CreateDataStore(self, request, context):
        s = self.service.create_store(
            current_principal(), request.team_id, request.name, request.datastructure_id, request.max_size_mb
        )
        return m.DataStoreResponse(data_store=_store(s))

    def GetDataStore(self, request, context):
        return m.DataStoreResponse(
            data_store=_store(self.service.get_store(current_principal(), request.data_store_id))
        )

    def UpdateDataStore(self, request, context):
        changes = {}
        for field, column in (("name", "name"), ("datastructure_id", "datastructure"), ("max_size_mb", "max_size_mb")):
            if request.HasField(field):
                changes[column] = getattr(request, field)
        s = self.service.update_store(current_principal(), request.data_store_id, changes)
        return m.DataStoreResponse(data_store=_store(s))

    def DeleteDataStores(self, request, context):
        ids = self.service.delete_stores(current_principal(), request.team_id, list(request.ids.ids), request.confirmed)
        return m.DeleteDataStoresResponse(data_stores=ids)

    def ListRecords(self, request, context):
        records = self.service.list_records(
            current_principal(), request.data_store_id, request.pg.limit, request.pg.offset
        )
        structure, page = records.structure, records.page
        out = m.ListRecordsResponse(
            records=[_record(r) for r in page.items],
            strict=bool(structure and structure.strict),
            count=page.total,
            pg=m.RecordPage(limit=records.paging.limit, offset=records.paging.offset),
        )
        if structure:
            _spec_out(structure.spec, out.spec)
        return out

    def AddRecord(self, request, context):
        return _record(
            self.service.add_record(current_principal(), request.data_store_id, request.key, _data(request.data))
        )

    def ReplaceRecord(self, request, context):
        return _record(
            self.service.replace_record(current_principal(), request.data_store_id, request.key, _data(request.data))
        )

    def UpdateRecord(self, request, context):
        return _record(
            self.service.update_record(current_principal(), request.data_store_id, request.key, _data(request.data))
        )

    def DeleteRecords(self, request, context):
        keys = self.service.delete_records(
            current_principal(), request.data_store_id, list(request.keys), request.all, list(request.except_keys)
        )
        return m.DeleteRecordsResponse(keys=keys)


class MakeDataStructureServicer(data_stores_pb2_grpc.DataStructureServiceServicer):
    def __init__(self, service: MakeService) -> None:
        self.service = service

    def ListDataStructures(self, request, context):
        listing = self.service.list_structures(current_principal(), request.team_id, **_paging(request.pg))
        structures = [_structure(s) for s in listing.page.items]
        return m.ListDataStructuresResponse(data_structures=structures, pg=_page_info(listing.paging))

    def CreateDataStructure(self, request, context):
        s = self.service.create_structure(
            current_principal(), request.team_id, request.name, _spec_in(request.spec), request.strict
        )
        return m.DataStructureResponse(data_structure=_structure(s))

    def GetDataStructure(self, request, context):
        return m.DataStructureResponse(
            data_structure=_structure(self.service.get_structure(current_principal(), request.data_structure_id))
        )

    def UpdateDataStructure(self, request, context):
        changes = {}
        if request.HasField("name"):
            changes["name"] = request.name
        if request.spec:
            changes["spec"] = _spec_in(request.spec)
        if request.HasField("strict"):
            changes["strict"] = request.strict
        s = self.service.update_structure(current_principal(), request.data_structure_id, changes)
        return m.DataStructureResponse(data_structure=_structure(s))

    def DeleteDataStructure(self, request, context):
        self.service.delete_structure(current_principal(), request.data_structure_id)
        return m.DeleteDataStructureResponse()
