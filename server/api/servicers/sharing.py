"""SharingService servicer (customer-level grants)."""

from __future__ import annotations

from datastore.v1 import sharing_pb2, sharing_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.domain import types as t
from server.domain.errors import InvalidArgument
from server.services.sharing import SharingService


class SharingServicer(sharing_pb2_grpc.SharingServiceServicer):
    def __init__(self, service: SharingService) -> None:
        self.service = service

    def ListGrants(self, request, context):
        grants = self.service.list(current_principal(), request.customer_id or None)
        return sharing_pb2.ListGrantsResponse(grants=[c.grant_to_proto(g) for g in grants])

    def SetGrant(self, request, context):
        g = request.grant
        access = c.enum_in(c.ACCESS, g.access, "grant.access", "ACCESS_READ or ACCESS_WRITE")
        if access is None:
            raise InvalidArgument.for_field("grant.access", "must be ACCESS_READ or ACCESS_WRITE")
        stored = self.service.set(
            current_principal(),
            t.GrantInfo(customer_id=g.customer_id, access=access, username=g.user_name, group_name=g.group_name),
        )
        return sharing_pb2.SetGrantResponse(grant=c.grant_to_proto(stored))

    def DeleteGrant(self, request, context):
        self.service.delete(current_principal(), request.customer_id, request.user_name, request.group_name)
        return sharing_pb2.DeleteGrantResponse()
