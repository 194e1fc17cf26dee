"""The Python ceiling: a grpcio server that answers every unary call with an empty
message, with the same worker pool as `datastore serve`. Prints its port."""

import sys
from concurrent import futures

import grpc


class Noop(grpc.GenericRpcHandler):
    def service(self, handler_call_details):
        return grpc.unary_unary_rpc_method_handler(
            lambda request, context: b"", request_deserializer=None, response_serializer=None
        )


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), handlers=[Noop()])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"grpc listening on 127.0.0.1:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
