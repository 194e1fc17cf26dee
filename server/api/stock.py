"""The stock gRPC services every server has: grpc.health.v1 (with List) and server
reflection, under grpc.reflection.v1alpha and grpc.reflection.v1.

They are registered like our own services (server/api/registration.py), so the call rules
(server/api/interceptors.py) and the decoding guard hold for them too: undecodable bytes
answer INVALID_ARGUMENT, never INTERNAL.

grpcio-reflection ships v1alpha only. grpc.reflection.v1 is the same protocol with the
package renamed (same messages, same field numbers), which newer clients (buf curl,
grpcurl >= 1.9) ask for first: the v1alpha servicer answers it, its descriptor is the
v1alpha file under the v1 names so that reflection can describe it too.
"""

from __future__ import annotations

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

from server.api.registration import register

REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"
_REFLECTION_V1_FILE = "grpc/reflection/v1/reflection.proto"
NAMES = (health.SERVICE_NAME, reflection.SERVICE_NAME, REFLECTION_V1)


class HealthServicer(health.HealthServicer):
    """grpcio's health servicer (Check, Watch) plus List, which it leaves unimplemented:
    a snapshot of every service's status, "" (the whole server) included."""

    def __init__(self) -> None:
        # Watch is called through the call rules, which hand it no send_response_callback:
        # it streams from its own blocking iterator.
        super().__init__(experimental_non_blocking=False)

    def List(self, request, context):
        with self._lock:  # the lock and table Check reads
            statuses = dict(self._server_status)
        return health_pb2.HealthListResponse(
            statuses={name: health_pb2.HealthCheckResponse(status=status) for name, status in statuses.items()}
        )


def _describe_reflection_v1() -> None:
    """Adds grpc/reflection/v1/reflection.proto to the default descriptor pool (once)."""
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(_REFLECTION_V1_FILE)
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    old, new = f".{proto.package}.", ".grpc.reflection.v1."
    proto.name, proto.package = _REFLECTION_V1_FILE, "grpc.reflection.v1"
    proto.ClearField("options")
    for field in (field for message in proto.message_type for field in message.field if field.type_name):
        field.type_name = field.type_name.replace(old, new)
    for method in proto.service[0].method:
        method.input_type, method.output_type = (
            method.input_type.replace(old, new),
            method.output_type.replace(old, new),
        )
    pool.AddSerializedFile(proto.SerializeToString())


def add_reflection_v1_to_server(servicer: reflection_pb2_grpc.ServerReflectionServicer, server) -> None:
    """add_*_to_server for grpc.reflection.v1, in the generated functions' form."""
    handlers = {
        "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo,
            request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
            response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
        )
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(REFLECTION_V1, handlers),))
    server.add_registered_method_handlers(REFLECTION_V1, handlers)


def register_stock(server: grpc.Server, health_servicer: HealthServicer, service_names: tuple[str, ...]) -> None:
    """Health and both reflection services; reflection lists `service_names` and these."""
    _describe_reflection_v1()
    register(server, health_pb2_grpc.add_HealthServicer_to_server, health_servicer)
    reflector = reflection.ReflectionServicer((*service_names, *NAMES))
    for add in (reflection_pb2_grpc.add_ServerReflectionServicer_to_server, add_reflection_v1_to_server):
        register(server, add, reflector)


def descriptors():
    """The stock services' descriptors (grpc.reflection.v1 as this server describes it)."""
    _describe_reflection_v1()
    pool = descriptor_pool.Default()
    return [pool.FindServiceByName(name) for name in NAMES]
