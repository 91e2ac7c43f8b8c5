"""The decisions service's engines as fixtures: every test here runs on SQLite and PostgreSQL.

PostgreSQL: set ``ADVISOR_TUI_TEST_POSTGRES`` to a server URL (CI's ``.ci/run``
sets ``postgresql://postgres@127.0.0.1:5432/test``). A fresh database is made
for the session and dropped after it; tables are emptied before each test.
With the variable set and the server unreachable the tests FAIL (CI must not
pass without them); without it they are skipped, saying how to run them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from advisor_tui.services.decisions.engine import DecisionEngine
from advisor_tui.services.decisions.postgres_engine import PostgresEngine
from advisor_tui.services.decisions.sqlite_engine import SqliteEngine
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger

POSTGRES_ENV = "ADVISOR_TUI_TEST_POSTGRES"
HOW_TO_RUN = (
    f"PostgreSQL tests skipped: set {POSTGRES_ENV}=postgresql://postgres@127.0.0.1:5432/test "
    "(any server where that user may CREATE DATABASE) to run them; .ci/run does"
)
ENGINES = ["sqlite", "postgresql"]
_TABLES = (
    "decisions, reviews, chain_refusals, rollup_advisor_month, rollup_advisor_day, "
    "rollup_step_month, rollup_step_day, "
    "rollup_repeats_month, rollup_repeats_day, rollup_day_team"
)


def postgres_server() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def fresh_postgres_database(base: str) -> Iterator[str]:
    """A new, migrated database on the server at ``base``, dropped afterwards."""
    name = f"advisor_tui_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL cannot be reached: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(base)._replace(path=f"/{name}").geturl()

    async def migrate() -> None:
        engine = PostgresEngine(url, pool_size=1)
        await engine.start(migrate=True)
        await engine.aclose()

    try:
        # In a thread of its own: this may be first asked for inside a running loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, migrate()).result()
        yield url
    finally:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated database for this test session, dropped at the end."""
    base = postgres_server()
    if base is None:
        pytest.skip(HOW_TO_RUN)
    with fresh_postgres_database(base) as url:
        yield url


def empty_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"TRUNCATE {_TABLES}")


EngineMaker = Callable[[], Awaitable[DecisionEngine]]


@pytest.fixture(params=ENGINES)
async def make_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EngineMaker]:
    """Opens engines on one empty store (a second one is a restarted service or
    another worker process); closes them all after the test."""
    opened: list[DecisionEngine] = []
    url: str | None = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    path = tmp_path / "decisions.sqlite3"

    async def make() -> DecisionEngine:
        engine: DecisionEngine
        if url is None:
            engine = SqliteEngine(await asyncio.to_thread(SqliteLedger, path))
        else:
            engine = PostgresEngine(url, pool_size=4)
            await engine.start()
        opened.append(engine)
        return engine

    yield make
    for engine in opened:
        await engine.aclose()


@pytest.fixture
async def engine(make_engine: EngineMaker) -> DecisionEngine:
    return await make_engine()
