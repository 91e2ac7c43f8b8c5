"""Refuse request bodies over a size limit before reading them into memory.

Shared by the mock and the deployable services (neither imports the other).
FastAPI's own ``max_body_size`` answers a declared oversize body with a plain
text 413; our servers answer every error with the contract's ``ErrorBody``, so
they have this small middleware instead. A body that declares its length is refused
before one byte is read; a streamed (chunked) one as soon as it passes the limit.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor_tui.contract import ErrorBody

TOO_LARGE = 413


def too_large_detail(limit: int) -> str:
    return f"the request body is larger than the {limit} bytes this server accepts"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            body = ErrorBody(detail=too_large_detail(self.max_bytes)).model_dump_json().encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": TOO_LARGE,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode("ascii")),
                        # The rest of the body is not read: the client must not
                        # reuse a connection it is still sending on.
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the handler's body read; FastAPI passes an
                    # HTTPException on, and the app's handler words it as ErrorBody.
                    raise HTTPException(TOO_LARGE, detail=too_large_detail(self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)
