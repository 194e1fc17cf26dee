"""EntryService servicer."""

from __future__ import annotations

from datastore.v1 import entry_pb2, entry_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.domain.types import MISSING
from server.services.entries import EntryService


def _value(message, field: str = "value"):
    return c.value_from_proto(message.value, field) if message.HasField("value") else MISSING


class EntryServicer(entry_pb2_grpc.EntryServiceServicer):
    def __init__(self, service: EntryService) -> None:
        self.service = service

    def GetEntry(self, request, context):
        entry = self.service.get(current_principal(), request.store, request.key, c.optional(request, "customer_id"))
        return entry_pb2.GetEntryResponse(entry=c.entry_to_proto(entry))

    def PutEntry(self, request, context):
        entry = self.service.put(
            current_principal(),
            request.store,
            request.key,
            _value(request),
            customer_id=c.optional(request, "customer_id"),
            expect=c.expectation(c.optional(request, "expected_revision"), request.etag),
        )
        return entry_pb2.PutEntryResponse(entry=c.entry_to_proto(entry))

    def BulkPutEntries(self, request, context):
        items = [(e.key, _value(e, f"entries[{i}].value")) for i, e in enumerate(request.entries)]
        written = self.service.bulk_put(current_principal(), request.store, items, c.optional(request, "customer_id"))
        response = entry_pb2.BulkPutEntriesResponse()
        c.entries_to_proto(written, response.entries)
        return response

    def DeleteEntries(self, request, context):
        deleted = self.service.delete(
            current_principal(), request.store, list(request.keys), c.optional(request, "customer_id")
        )
        response = entry_pb2.DeleteEntriesResponse()
        c.entries_to_proto(deleted, response.entries)
        return response
