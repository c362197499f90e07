"""Running the app under uvicorn: one process, or several on one listening socket.

With ``--workers N`` uvicorn binds the socket itself, as ``socket.socket(family)`` (protocol 0), and
asyncio sets ``TCP_NODELAY`` only on sockets whose protocol is ``IPPROTO_TCP``: the workers'
connections would keep Nagle's algorithm, and the second write of an answer would wait for the
client's delayed ACK (40 ms on Linux), whatever the CPU.  ``NoDelayHttp`` sets it per connection.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttp(HttpToolsProtocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def run(app, host: str, port: int, workers: int = 1, access_log: bool = True) -> None:
    """Serve ``app`` (an app, or with ``workers > 1`` the import string of a factory)."""
    options = {"host": host, "port": port, "log_level": "info", "access_log": access_log, "http": NoDelayHttp,
               "loop": "uvloop"}
    if workers > 1:
        uvicorn.run(app, factory=True, workers=workers, **options)
    else:
        uvicorn.run(app, **options)
