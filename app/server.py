"""The HTTP protocol carepost serves with: uvicorn's h11 protocol with Nagle's algorithm turned off.

With several worker processes uvicorn binds the listening socket itself (protocol number 0), and asyncio
only sets TCP_NODELAY on sockets whose protocol is TCP. Without it a response written in two parts
(headers, then body) waits for the client's delayed ACK: about 40 ms on every request.
"""

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
