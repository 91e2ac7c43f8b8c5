"""The database going away mid-run: 503 with Retry-After, the outbox keeps the
decisions, and once the database is back they are delivered, none lost or doubled.

PostgreSQL only, and simulated with a TCP proxy between the service and the
server that is cut and restored: stopping the machine's real server would
break every other test and helper using it at the same moment.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from advisor_tui.clients import DecisionsClient, RetryPolicy
from advisor_tui.contract import routes
from advisor_tui.services.decisions.postgres_engine import PostgresEngine
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.store.outbox import DecisionOutbox
from tests.services.decisions.builders import AMY, make_decision
from tests.services.decisions.conftest import empty_postgres
from tests.services.decisions.test_api import app_with


class CuttableProxy:
    """127.0.0.1:port -> the PostgreSQL server; ``cut`` drops every connection and
    refuses new ones (the database is gone), ``restore`` listens again."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@pytest.fixture
async def proxied_url(postgres_url: str) -> AsyncIterator[tuple[str, CuttableProxy]]:
    empty_postgres(postgres_url)
    parts = urlsplit(postgres_url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.restore()
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    yield parts._replace(netloc=netloc).geturl(), proxy
    if proxy._server is not None:
        await proxy.cut()


async def test_database_down_gives_503_and_the_outbox_delivers_everything_after(
    proxied_url: tuple[str, CuttableProxy], tmp_path: Path
) -> None:
    url, proxy = proxied_url
    engine = PostgresEngine(url, pool_size=2)
    await engine.start()
    transport = httpx.ASGITransport(app=app_with(engine))
    client = DecisionsClient(
        "http://svc/decisions",
        token="demo-advisor",
        transport=transport,
        retry=RetryPolicy(attempts=1, initial=0.01, maximum=0.01, jitter=0.0, total=60.0),
        timeout=httpx.Timeout(30.0),
    )
    decisions = [make_decision(AMY, minutes_ago=100 - i) for i in range(6)]
    try:
        with DecisionStore(tmp_path / "local.sqlite3") as store:
            outbox = DecisionOutbox(store, client)
            for d in decisions[:3]:
                store.append(d)
            assert (await outbox.deliver_pending()).delivered == 3

            await proxy.cut()
            for d in decisions[3:]:
                store.append(d)
            result = await outbox.deliver_pending()
            assert (result.delivered, result.remaining) == (0, 3)
            down = await httpx.AsyncClient(transport=transport, base_url="http://svc").get(
                "/decisions" + routes.CHAIN_HEAD.format(advisor_id=AMY.id),
                headers={"Authorization": "Bearer demo-advisor"},
            )
            assert down.status_code == 503
            assert down.headers["Retry-After"].isdigit()
            assert (
                "unreachable" in down.json()["detail"] or "not answering" in down.json()["detail"]
            )

            await proxy.restore()
            deadline = time.monotonic() + 120
            while store.pending_count() and time.monotonic() < deadline:
                await outbox.deliver_pending()
                await asyncio.sleep(0.2)
            assert store.pending_count() == 0
        head = await client.chain_head(AMY.id)
        assert head.count == 6
        page = await client.list(limit=50)
        ids = [v.decision.id for v in page.items]
        assert sorted(ids) == sorted(d.id for d in decisions) and page.total == 6
    finally:
        await client.aclose()
        await engine.aclose()
