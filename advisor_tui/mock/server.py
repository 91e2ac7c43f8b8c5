"""Running the mock app on a real socket: in a background thread, or blocking.

``BackgroundServer`` is what the demo and the loopback tests use: a real
uvicorn on 127.0.0.1 with a free port, so clients are exercised over TCP with
real timeouts, not just through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_S = 10.0
GRACEFUL_SHUTDOWN_S = 2.0
"""How long shutdown waits for open requests (a hung one, say) before dropping them."""


class _DroppedAtShutdown(logging.Filter):
    """Quiet the requests a stopping server drops on purpose.

    After the grace period uvicorn cancels what is still open, a hung or slow
    fault-injected request for instance, and logs each as "Exception in ASGI
    application" with a CancelledError traceback, and the cancelling itself as
    an error. For a mock that is the expected way to stop: the cancelling is
    kept as information, the tracebacks are dropped. Any other error passes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        if "graceful shutdown exceeded" in record.getMessage():
            record.levelno, record.levelname = logging.INFO, "INFO"
            # Shown only where information is (mock serve), not by a quiet server.
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


def quiet_dropped_requests() -> None:
    """Install the filter once on uvicorn's error logger (after uvicorn configured it)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DroppedAtShutdown) for f in logger.filters):
        logger.addFilter(_DroppedAtShutdown())


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; port 0 picks a free one (read it back from the socket)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY only on sockets whose proto
    # is IPPROTO_TCP, and with Nagle on every small response waited ~40 ms
    # for the client's delayed ACK (measured: health 44 ms -> 1 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def url_for(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class BackgroundServer:
    """``with BackgroundServer(app) as server: httpx.get(server.base_url + ...)``."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise RuntimeError("server is not running")
        return url_for(self.host, self.port)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("server already started")
        # Binding here, before the thread starts, is what makes port=0 usable:
        # the real port is known at once and nobody else can take it meanwhile.
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            # The mock states its own (story) clock in Date: see mock/story_date.py.
            date_header=False,
            timeout_graceful_shutdown=int(GRACEFUL_SHUTDOWN_S),
        )
        quiet_dropped_requests()
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"mock-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive():
                self._close_socket()
                raise RuntimeError("mock server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"mock server did not start within {STARTUP_TIMEOUT_S}s")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=GRACEFUL_SHUTDOWN_S + 5)
        self._close_socket()
        self._server = None
        self._thread = None

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> BackgroundServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 8765,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C); for ``advisor-tui mock serve``.

    The socket is bound before uvicorn starts, so with port 0 ``announce`` is
    given the port actually chosen. Ctrl-C stops it within the grace period
    even with a request hung by fault injection (that request is dropped).
    OSError when the address cannot be bound.
    """
    sock = bind(host, port)
    config = uvicorn.Config(
        app,
        log_level="info",
        timeout_graceful_shutdown=int(GRACEFUL_SHUTDOWN_S),
        # The mock states its own (story) clock in Date: see mock/story_date.py.
        date_header=False,
    )
    quiet_dropped_requests()
    if announce is not None:
        announce(url_for(host, sock.getsockname()[1]))
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
