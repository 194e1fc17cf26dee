"""DescriptorService servicer: proto in, service call, proto out."""

from __future__ import annotations

from datastore.v1 import descriptor_pb2, descriptor_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.domain.errors import InvalidArgument
from server.domain.types import DescriptorSpec
from server.services.descriptors import OUTPUT_ONLY_FIELDS, DescriptorService

_DATA_TYPES = "DATA_TYPE_MAP or DATA_TYPE_LIST"
_BEHAVIOURS = "BEHAVIOUR_TYPE_CENTRAL, BEHAVIOUR_TYPE_LOCAL or BEHAVIOUR_TYPE_DISTRIBUTED"


class DescriptorServicer(descriptor_pb2_grpc.DescriptorServiceServicer):
    def __init__(self, service: DescriptorService) -> None:
        self.service = service

    def GetDescriptor(self, request, context):
        d = self.service.get(current_principal(), request.name, include_deleted=request.show_deleted)
        return descriptor_pb2.GetDescriptorResponse(descriptor=c.descriptor_to_proto(d))

    def ListDescriptors(self, request, context):
        page = self.service.list(current_principal(), request.limit, request.offset, request.show_deleted)
        return descriptor_pb2.ListDescriptorsResponse(
            descriptors=[c.descriptor_to_proto(d) for d in page.items], total_size=page.total
        )

    def CreateDescriptor(self, request, context):
        d = request.descriptor
        spec = DescriptorSpec(
            name=d.name,
            description=d.description,
            data_type=c.enum_in(c.DATA_TYPES, d.data_type, "descriptor.data_type", _DATA_TYPES),
            behaviour_type=c.enum_in(c.BEHAVIOUR_TYPES, d.behaviour_type, "descriptor.behaviour_type", _BEHAVIOURS),
            life_time=d.life_time,
            global_data=d.global_data,
            expire_data=d.expire_data,
            use_lower_case_keys=d.use_lower_case_keys,
        )
        created = self.service.create(current_principal(), spec)
        return descriptor_pb2.CreateDescriptorResponse(descriptor=c.descriptor_to_proto(created))

    def UpdateDescriptor(self, request, context):
        d = request.descriptor
        if request.update_mask.paths:
            paths = list(request.update_mask.paths)
        else:  # AIP-134: no mask means every populated field
            paths = [f.name for f, _ in d.ListFields() if f.name != "name"]
        changes = {}
        for path in paths:
            if path in OUTPUT_ONLY_FIELDS:
                continue  # AIP-161: output-only fields in a mask are ignored
            if path == "data_type":
                changes[path] = c.enum_in(c.DATA_TYPES, d.data_type, "descriptor.data_type", _DATA_TYPES)
            elif path == "behaviour_type":
                changes[path] = c.enum_in(c.BEHAVIOUR_TYPES, d.behaviour_type, "descriptor.behaviour_type", _BEHAVIOURS)
            elif path in descriptor_pb2.Descriptor.DESCRIPTOR.fields_by_name:
                changes[path] = getattr(d, path)
            else:
                raise InvalidArgument.for_field(f"update_mask.{path}", "is not a field of Descriptor")
        updated = self.service.update(current_principal(), d.name, changes)
        return descriptor_pb2.UpdateDescriptorResponse(descriptor=c.descriptor_to_proto(updated))

    def DeleteDescriptor(self, request, context):
        d = self.service.delete(current_principal(), request.name)
        return descriptor_pb2.DeleteDescriptorResponse(descriptor=c.descriptor_to_proto(d))
