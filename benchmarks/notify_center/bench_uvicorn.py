"""``uvicorn --workers N`` whose connections have Nagle's algorithm off, as single-process uvicorn's do.

With ``--workers`` uvicorn binds the listening socket itself, with ``proto`` 0, and asyncio only sets
``TCP_NODELAY`` on accepted sockets whose ``proto`` is ``IPPROTO_TCP`` (https://github.com/Kludex/uvicorn/issues/3149).
The response body then waits for the client's delayed ACK of the headers: about 40 ms per keep-alive request on
Linux, whatever the application does. Setting ``TCP_NODELAY`` on the listener fixes it (accepted sockets inherit it).
Same arguments as ``uvicorn``.
"""

import socket
import sys

from uvicorn.config import Config

_bind_socket = Config.bind_socket


def bind_socket(self: Config) -> socket.socket:
    sock = _bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


Config.bind_socket = bind_socket  # type: ignore[method-assign]

if __name__ == "__main__":  # worker processes are spawned and import this module again
    from uvicorn.main import main

    sys.exit(main())
