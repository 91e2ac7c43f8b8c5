"""Fault injection for the mock backends, as pure ASGI middleware.

The backend is found from the request path's prefix (``routes.PREFIXES``) and
its ``FaultSpec`` is read from ``state.faults`` on every request, so a change
made through the admin endpoint applies to the very next call. Paths outside
the backend prefixes (the admin router, ``/openapi.json``) are never touched:
a developer must always be able to switch a fault off again.

Order within one request: latency (+ jitter) first, as a slow network would
add it; then hang; then an error; then a broken or wrong-shaped 200.

Hang, error and wrong-schema answer without running the handler (the backend
never got to it). Malformed JSON runs the handler and cuts its answer short,
as a dropped connection would: a POST has taken effect though the client could
not read the reply, which is the case idempotent retries exist for.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor_tui.contract import Backend, ErrorBody, FaultSpec, routes
from advisor_tui.mock.state import MockState

HANG_LIMIT_S = 3600.0
"""A hung request gives up after this long even if the client never does, so a
forgotten connection cannot pin a task for the life of the server."""

WRONG_SCHEMA_BODY = b'{"unexpected": true}'
ERROR_STATUSES = (500, 503)


def backend_for_path(path: str, backends: Iterable[Backend] | None = None) -> Backend | None:
    """The backend whose prefix the path is under, or None (admin, docs, unknown)."""
    for backend in backends if backends is not None else Backend:
        prefix = routes.PREFIXES[backend]
        if path == prefix or path.startswith(prefix + "/"):
            return backend
    return None


def truncate_json(body: bytes) -> bytes:
    """Cut a JSON body so that it no longer parses (half of it, at least 1 byte)."""
    cut = body[: max(1, len(body) // 2)]
    try:
        json.loads(cut)
    except ValueError:
        return cut
    # Half of a scalar can still parse ("12" -> "1"); an unclosed string never does.
    return b'{"truncated'


async def _send_bytes(send: Send, status_code: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _wait_for_disconnect(receive: Receive) -> None:
    # Draining receive() ends when the client goes away: that is when a real
    # hung server would notice, and it frees the task instead of leaking it.
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class FaultInjectionMiddleware:
    def __init__(
        self, app: ASGIApp, state: MockState, backends: Iterable[Backend] | None = None
    ) -> None:
        self.app = app
        self.state = state
        self.backends = frozenset(backends) if backends is not None else frozenset(Backend)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        backend = backend_for_path(scope["path"], self.backends)
        if backend is None:
            await self.app(scope, receive, send)
            return
        spec = self.state.faults.get(backend, FaultSpec())
        await self._delay(spec)
        if spec.hang:
            try:
                await asyncio.wait_for(_wait_for_disconnect(receive), HANG_LIMIT_S)
            except TimeoutError:
                pass
            return
        if spec.error_rate > 0 and self.state.rng.random() < spec.error_rate:
            code = self.state.rng.choice(ERROR_STATUSES)
            detail = f"injected fault: {backend.value} answered {code}"
            if "/tmf-api/" in scope["path"]:
                # The TMF profile answers failures as TMF Error bodies, as a real one does.
                tmf_body = {"code": str(code), "reason": detail, "status": str(code)}
                await _send_bytes(send, code, json.dumps(tmf_body).encode())
                return
            body = ErrorBody(detail=detail)
            await _send_bytes(send, code, body.model_dump_json().encode())
            return
        if spec.malformed_json:
            await self._malformed(scope, receive, send)
            return
        if spec.wrong_schema:
            await _send_bytes(send, 200, WRONG_SCHEMA_BODY)
            return
        await self.app(scope, receive, send)

    async def _delay(self, spec: FaultSpec) -> None:
        delay_ms: float = spec.latency_ms
        if spec.jitter_ms:
            delay_ms += self.state.rng.uniform(0, spec.jitter_ms)
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)

    async def _malformed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The real answer, cut short: what a dropped proxy connection looks like."""
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        await _send_bytes(send, 200, truncate_json(b"".join(chunks)))


def describe(spec: FaultSpec) -> dict[str, Any]:
    """Only the faults that are on, for logs and the CLI's start-up banner."""
    defaults = FaultSpec()
    return {k: v for k, v in spec.model_dump().items() if getattr(defaults, k) != v}
