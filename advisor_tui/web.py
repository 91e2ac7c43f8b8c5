"""``advisor-tui web``: the advisor screen in a browser, one app process per browser session.

textual-serve draws a Textual app in a page over a websocket and starts one app
process per connection. On its own it trusts everyone who can reach the port
(TRIALS.md): any page's script may open the websocket, every process inherits
the server's environment (its token is every visitor's identity), sessions are
unlimited and ``/static/`` lists its files. This module is the thin layer a
contact centre needs in front of it:

- By default it binds to loopback and each session runs as the user who started
  the server, with the same config and identity rules as ``advisor-tui`` in a
  terminal.
- Any other address needs ``--trusted-proxy``: an authenticating reverse proxy
  (single sign-on) in front, whose address is the only one allowed to connect
  and whose headers name the signed-in user and carry their access token. Each
  session then gets that user's token and its own data directory, and never the
  server's own token.
- The websocket's ``Origin`` must be the page's own (or one allowed by flag).
- Sessions are capped; static files are served without listings; pages tell
  the browser not to frame or cache them.
"""

from __future__ import annotations

import asyncio
import ctypes
import ipaddress
import re
import shlex
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
USER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
"""What a proxy-asserted user name may look like; it also names a directory."""

_TOKEN_VARIABLE = re.compile(r"TOKEN", re.IGNORECASE)


class WebError(ValueError):
    """A setting that would expose the advisor screen unsafely: exit 2 with the reason."""


@dataclass(frozen=True)
class WebOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    app_args: tuple[str, ...] = ("run",)
    """What each session runs: ``advisor-tui <app_args>``."""
    max_sessions: int = 8
    allowed_origins: frozenset[str] = frozenset()
    trusted_proxies: frozenset[str] = frozenset()
    user_header: str = "X-Forwarded-User"
    token_header: str = "X-Forwarded-Access-Token"
    users_dir: Path | None = None
    """Per-user data directories live under here behind a proxy."""

    @property
    def behind_proxy(self) -> bool:
        return bool(self.trusted_proxies)

    @property
    def url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def origins(self) -> frozenset[str]:
        """Origins whose pages may open a session: the public URL's, and those allowed by flag."""
        own = {_origin(self.url)}
        if not self.public_url and self.host in LOOPBACK_HOSTS:
            # The same loopback page reached by another loopback name.
            own |= {f"http://{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]")}
        return frozenset(own) | self.allowed_origins

    def validate(self) -> None:
        if not 1 <= self.port <= 65535:
            raise WebError(f"--port must be 1-65535, not {self.port}")
        if self.max_sessions < 1:
            raise WebError("--max-sessions must be at least 1")
        if self.host not in LOOPBACK_HOSTS and not self.behind_proxy:
            raise WebError(
                f"refusing to serve the advisor screen on {self.host} without an "
                "authenticating reverse proxy in front: pass --trusted-proxy ADDRESS "
                "(see 'Browser mode' in the README), or bind to 127.0.0.1"
            )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise WebError(
                    f"--trusted-proxy {proxy!r} is not an IP address or network"
                ) from None
        for origin in self.allowed_origins:
            if _origin(origin) != origin:
                raise WebError(f"--allow-origin {origin!r} must be scheme://host[:port]")
        if self.public_url and urlsplit(self.public_url).scheme not in {"http", "https"}:
            raise WebError(f"--public-url {self.public_url!r} must start with http:// or https://")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class Visitor:
    """Who a browser session runs as. ``None`` fields: the server's own user and config."""

    user: str | None = None
    token: str | None = field(default=None, repr=False)


def identify(
    options: WebOptions, peer: str | None, headers: Mapping[str, str], *, demo: bool
) -> Visitor:
    """The visitor behind a request, or an HTTP error saying why it may not have a session."""
    if not options.behind_proxy:
        return Visitor()
    if peer is None or not _in_networks(peer, options.trusted_proxies):
        raise web.HTTPForbidden(text="connect through the sign-on proxy\n")
    user = headers.get(options.user_header, "")
    if not USER_PATTERN.fullmatch(user):
        raise web.HTTPForbidden(text="the sign-on proxy did not name a valid user\n")
    token = headers.get(options.token_header) or None
    if token is None and not demo:
        raise web.HTTPUnauthorized(text="the sign-on proxy did not pass an access token\n")
    return Visitor(user=user, token=token)


def _in_networks(address: str, networks: frozenset[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def session_environment(
    base: Mapping[str, str], visitor: Visitor, users_dir: Path | None
) -> dict[str, str]:
    """The environment of one visitor's app process.

    Behind a proxy no variable that might hold the server's own token is passed
    on; the visitor's token and a data directory of their own take its place, so
    one advisor's decisions never land in another's log.
    """
    env = dict(base)
    if visitor.user is None:
        return env
    env = {k: v for k, v in env.items() if not _TOKEN_VARIABLE.search(k)}
    if visitor.token is not None:
        env["ADVISOR_TUI_TOKEN"] = visitor.token
    if users_dir is not None:
        env["ADVISOR_TUI_DATA_DIR"] = str(users_dir / visitor.user)
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: a server killed with SIGKILL leaves no orphaned app processes.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _SessionProcess(AppService):
    """One browser session's app process, with the visitor's environment."""

    def __init__(
        self, argv: Sequence[str], visitor: Visitor, users_dir: Path | None, **kwargs: Any
    ) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self._argv = list(argv)
        self._visitor = visitor
        self._users_dir = users_dir

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        base = super()._build_environment(width=width, height=height)
        return session_environment(base, self._visitor, self._users_dir)

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        # exec, not a shell: no quoting to get wrong, and the child can die with us.
        self._process = process = await asyncio.create_subprocess_exec(
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self._stdin = process.stdin
        return process


class AdvisorWebServer(Server):
    """textual-serve's server with identity, Origin, session and listing rules."""

    def __init__(self, options: WebOptions, *, argv_prefix: Sequence[str] | None = None) -> None:
        options.validate()
        self.options = options
        prefix = list(argv_prefix or [sys.executable, "-m", "advisor_tui"])
        self.argv = [*prefix, *options.app_args]
        super().__init__(
            shlex.join(self.argv),
            host=options.host,
            port=options.port,
            title="Advisor TUI",
            public_url=options.url,
        )
        self.sessions = 0
        self._demo = "demo" in options.app_args

    async def _make_app(self) -> web.Application:
        import aiohttp_jinja2
        import jinja2

        app = web.Application(middlewares=[_security_headers])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        return app

    async def on_startup(self, app: web.Application) -> None:
        mode = (
            f"behind the sign-on proxy {', '.join(sorted(self.options.trusted_proxies))}"
            if self.options.behind_proxy
            else "on loopback only"
        )
        print(
            f"advisor-tui web: serving 'advisor-tui {' '.join(self.options.app_args)}' at "
            f"{self.options.url} {mode}, at most {self.options.max_sessions} sessions "
            "(Ctrl+C stops)",
            file=sys.stderr,
            flush=True,
        )

    async def handle_index(self, request: web.Request) -> Any:
        identify(self.options, request.remote, request.headers, demo=self._demo)
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        visitor = identify(self.options, request.remote, request.headers, demo=self._demo)
        origin = request.headers.get("Origin", "").lower()
        if origin not in self.options.origins():
            raise web.HTTPForbidden(text="this page's origin may not open an advisor session\n")
        if self.sessions >= self.options.max_sessions:
            raise web.HTTPServiceUnavailable(
                text="every advisor session on this server is in use\n",
                headers={"Retry-After": "30"},
            )
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        self.sessions += 1
        session: _SessionProcess | None = None
        try:
            await websocket.prepare(request)
            session = _SessionProcess(
                self.argv,
                visitor,
                self.options.users_dir,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=False,
            )
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            if session is not None:
                await session.stop()
            self.sessions -= 1
        return websocket


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, min(int(value or default), 1000))
    except ValueError:
        return default


@web.middleware
async def _security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.path == "/":
        response.headers["Cache-Control"] = "no-store"
    return response


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now on ``host`` (textual-serve cannot announce a port 0 bind)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
