"""Errors the toolkit reports to a user as one clear line and an exit code, never a traceback."""


class SamtbuError(Exception):
    """A problem with the user's input or request. ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


def listening_socket(host: str, port: int, backlog: int = 128):
    """A TCP socket bound to ``host``:``port`` and listening, for the commands that serve (``samtbu
    serve``, ``samtbu site serve``). Bound before anything slow starts, so that a busy, forbidden or
    impossible port is one line and exit code 2 at once, never a traceback after a long start."""
    import socket

    where = f"cannot listen on {host} port {port}"
    if not 0 <= port <= 65535:  # getaddrinfo would take 99999 and listen on 99999 - 65536
        raise SamtbuError(f"{where}: a port is a number from 0 to 65535")
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                 flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, OverflowError, UnicodeError) as exc:
        raise SamtbuError(f"{where}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server and uvicorn do
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise SamtbuError(f"{where}: {exc.strerror or exc} (choose another with --port)") from None
    return sock
