"""A pool of PostgreSQL connections whose failures are ``StoreUnavailable``.

psycopg 3's ``AsyncConnectionPool``, in autocommit (each write opens its own
transaction). Any connection-level failure, a pool that cannot hand out a
connection in time or one that broke while idle (a restart, a failover), is
``StoreUnavailable``: the router answers 503 with Retry-After.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from advisor_tui.services.decisions.engine import describe_url
from advisor_tui.services.decisions.errors import StoreUnavailable

CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 5


class Pool:
    def __init__(self, url: str, *, size: int, name: str) -> None:
        self.url = url
        # 4-8 connections suit 2 cores (the trial: 40 was slower, not faster).
        self._pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=size,
            open=False,
            timeout=POOL_TIMEOUT_S,
            kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": True},
            # No check on checkout (a round trip per request): a connection that
            # broke while idle (restart, failover) fails its request with 503 and
            # the pool discards it; the client's retry gets a fresh one.
            name=name,
        )

    async def open(self) -> None:
        try:
            await self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 2)
        except PoolTimeout as exc:
            raise StoreUnavailable(
                f"cannot connect to the decisions database {describe_url(self.url)}"
            ) from exc

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A pooled connection; any connection-level failure becomes StoreUnavailable."""
        try:
            async with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreUnavailable("the decisions database is not answering") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable("the decisions database is unreachable or failing over") from exc

    async def ping(self) -> None:
        async with self.connection() as conn:
            await conn.execute("SELECT 1")
