"""Every mock answer carries ``Date:`` from the mock's clock, the story's "now".

HTTP servers state their clock in ``Date``; a client with no other "as of" in
the body (a TMF trouble-ticket list has none) reads it to know when the answer
was true. The mock's clock is pinned to its scenarios' story (see
``advisor_tui.mock.scenario``), so without this a TMF client would measure
"days without service" from today against data told in June 2025.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class StoryDateMiddleware:
    def __init__(self, app: ASGIApp, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                stamp = format_datetime(self.clock(), usegmt=True).encode("latin-1")
                message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        await self.app(scope, receive, send_with_date)
