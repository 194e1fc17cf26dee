"""The HTTP ceiling: a bare ASGI app under the same uvicorn settings as the shim,
answering every request with a constant JSON body. Prints its address."""

import sys

import uvicorn

BODY = b'{"entry":{"key":"hot","value":{"payload":"constant"}}}'


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    from server.app import tcp_listener  # the same listening socket as the shim's

    sock = tcp_listener("127.0.0.1", 0)
    print(f"http listening on 127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    sys.exit(0)
