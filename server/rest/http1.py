"""The HTTP/1.1 connection the shim is served on: uvicorn's httptools protocol, except
that a client which half-closes its connection still gets its answer.

A client may send a request and then shut down its sending side (shutdown(SHUT_WR):
`nc -N`, `curl` through some proxies): it has nothing more to send and waits for the
response (a half-close ends what the client sends, it does not abort the exchange:
the HTTP working group's reading of HTTP/1.1). uvicorn's eof_received returns
None, so asyncio and uvloop close the transport at the EOF and a response still being
computed is dropped: the client reads nothing (uvicorn 0.54; a fix proposed upstream
was not merged). Here a complete request keeps the connection open for writing
(eof_received returns True) until the last response is written, then it is closed: no
further request can arrive on it. An idle connection, or one whose request is cut short
(its body never completes), is still closed at the EOF.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HalfCloseHttpToolsProtocol(HttpToolsProtocol):
    def eof_received(self) -> bool:
        cycle = self.cycle  # the request parsed last (those before it are answered first)
        if cycle is None or cycle.response_complete or cycle.more_body:
            return False  # nothing to answer, or a request that can never complete: close
        # Answer it, then close (as uvicorn's own graceful shutdown does): its response
        # says `connection: close` unless already started. Nothing per request elsewhere.
        cycle.keep_alive = False
        return True  # the transport stays open for writing
