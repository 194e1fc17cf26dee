"""The Argus DataStores façade: documented shapes over the same services.

Each call is translation in three steps: the request becomes a core search or spec
(`searches`), a service call does the work (permissions, retention, LOCAL refusal and
validation live in the services), and the result is written as the Argus envelope
(`envelopes`) with the customer names it shows, looked up once per response.
"""

from __future__ import annotations

from datastore.argus.v1 import datastores_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.domain import types as t
from server.facades.argus import customers, searches
from server.facades.argus import envelopes as env
from server.services.descriptors import DescriptorService
from server.services.entries import EntryService
from server.services.queries import QueryService
from server.storage.cache import CacheRegistry


def _names(caches: CacheRegistry, descriptors: list[t.Descriptor] = (), entries: list[t.Entry] = ()) -> dict[int, str]:
    return customers.names(env.customer_ids(descriptors, entries), caches)


def _descriptor(caches: CacheRegistry, d: t.Descriptor):
    return env.descriptor_envelope(d, _names(caches, descriptors=[d]))


def _entry(caches: CacheRegistry, e: t.Entry):
    return env.entry_envelope(e, _names(caches, entries=[e]))


def _entries(caches: CacheRegistry, entries: list[t.Entry], **paging):
    return env.entry_list(entries, _names(caches, entries=entries), **paging)


class ArgusDescriptorServicer(datastores_pb2_grpc.DescriptorServiceServicer):
    def __init__(self, service: DescriptorService, caches: CacheRegistry) -> None:
        self.service = service
        self.caches = caches

    def _list(self, search: t.DescriptorSearch):
        page = self.service.search(current_principal(), search)
        return env.descriptor_list(page, search.limit, search.offset, _names(self.caches, descriptors=page.items))

    def ListDescriptors(self, request, context):
        return self._list(searches.descriptor_list_search(request))

    def SearchDescriptors(self, request, context):
        return self._list(searches.descriptor_search(request))

    def AddDescriptor(self, request, context):
        return _descriptor(self.caches, self.service.create(current_principal(), searches.descriptor_spec(request)))

    def GetDescriptor(self, request, context):
        return _descriptor(self.caches, self.service.get(current_principal(), request.data_store))

    def UpdateDescriptor(self, request, context):
        searches.no_functions(request)
        changes = {
            f: getattr(request, f)
            for f in ("description", "global_data", "expire_data", "life_time")
            if request.HasField(f)
        }
        d = self.service.update(current_principal(), request.data_store, changes, new_name=c.optional(request, "name"))
        return _descriptor(self.caches, d)

    def DeleteDescriptor(self, request, context):
        return _descriptor(self.caches, self.service.delete(current_principal(), request.data_store))


class ArgusStoreServicer(datastores_pb2_grpc.StoreServiceServicer):
    def __init__(self, entries: EntryService, queries: QueryService, caches: CacheRegistry) -> None:
        self.entries = entries
        self.queries = queries
        self.caches = caches

    def _page(self, query):
        page = self.queries.query(current_principal(), query)
        return _entries(self.caches, page.items, limit=query.limit, offset=query.offset, count=page.total)

    def ListEntries(self, request, context):
        return self._page(searches.entry_list_query(request))

    def SearchEntries(self, request, context):
        return self._page(searches.entry_search_query(request))

    def PutEntries(self, request, context):
        body = {k: c.value_from_proto(v, k) for k, v in request.body.fields.items()}
        items, customer = searches.bulk_items(body, c.optional(request, "customer_id"))
        return _entries(self.caches, self.entries.bulk_put(current_principal(), request.data_store, items, customer))

    def DeleteEntries(self, request, context):
        deleted = self.entries.delete(
            current_principal(), request.data_store, list(request.key), c.optional(request, "customer_id")
        )
        return _entries(self.caches, deleted)

    def GetEntry(self, request, context):
        e = self.entries.get(
            current_principal(),
            request.data_store,
            request.key,
            c.optional(request, "customer_id"),
            include_deleted=request.include_deleted,
        )
        return _entry(self.caches, e)

    def _put(self, request, value):
        customer = c.optional(request, "customer_id")
        e = self.entries.put(current_principal(), request.data_store, request.key, value, customer_id=customer)
        return _entry(self.caches, e)

    def PutKey(self, request, context):
        return self._put(request, t.MISSING)

    def PutValue(self, request, context):
        return self._put(request, request.value)
