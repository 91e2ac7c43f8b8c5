"""The storage engine interface the router talks to, and choosing one from a URL.

``sqlite:///path`` (or ``sqlite://`` for memory) is the embedded engine for a
demo or a single site; ``postgresql://...`` the engine for a contact centre,
where several worker processes and hosts share one database. Both keep the
same rules (``rules``, ``chain``) and answer the same API test suite.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from advisor_tui.contract.decisions import (
    ChainAudit,
    ChainHead,
    ChainLink,
    DecisionFilters,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    Review,
    ReviewCreate,
)
from advisor_tui.contract.decisions import Decision as Decision
from advisor_tui.contract.identity import Advisor
from advisor_tui.services.decisions.chain import Link


class DecisionEngine(Protocol):
    """Everything the decisions service stores and reads. Every method may raise
    a ``LedgerError`` (``StoreUnavailable`` when the database cannot be reached)."""

    name: str

    async def record(
        self, decision: Decision, advisor: Advisor, now: datetime, link: Link | None
    ) -> tuple[DecisionReceipt, bool]: ...

    async def get(self, decision_id: str) -> DecisionView | None: ...

    async def list(
        self, filters: DecisionFilters, cursor: str | None, limit: int
    ) -> DecisionPage: ...

    async def add_review(
        self, decision_id: str, review: ReviewCreate, reviewer: Advisor, now: datetime
    ) -> tuple[Review, bool]: ...

    async def chain_head(self, advisor_id: str) -> ChainHead: ...

    async def chain_links(
        self, advisor_id: str, after: int, limit: int
    ) -> builtins.list[ChainLink]: ...

    async def audit(self, after: str | None, limit: int) -> builtins.list[ChainAudit]: ...

    async def stats(
        self, since: datetime | None, until: datetime | None, team: str | None
    ) -> DecisionStats: ...

    async def start(self, *, migrate: bool = False) -> None:
        """Connect (and migrate if asked); a no-op when already started."""
        ...

    async def ping(self) -> None: ...

    async def aclose(self) -> None: ...


_POSTGRES = ("postgresql", "postgres")


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///path`` URL; None for ``sqlite://`` (in memory)."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        raise ValueError(f"not a sqlite URL: {url!r}")
    path = unquote(parts.path)
    if parts.netloc or not path or path == "/":
        if parts.netloc:
            raise ValueError(f"{url!r}: write sqlite:///relative/path or sqlite:////absolute/path")
        return None
    # sqlite:///rel -> path "/rel"; sqlite:////abs -> path "//abs"
    return Path(path[1:])


def describe_url(url: str) -> str:
    """The URL without any password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def check_read_url(url: str, read_url: str | None) -> None:
    """Refuse a read database unless both it and the primary are PostgreSQL."""
    if read_url is None:
        return
    if urlsplit(url).scheme not in _POSTGRES or urlsplit(read_url).scheme not in _POSTGRES:
        raise ValueError(
            f"a read database ({describe_url(read_url)!r}) needs a PostgreSQL primary and a "
            f"PostgreSQL replica of it, not {describe_url(url)!r}: SQLite has no replicas "
            "(drop --read-database)"
        )


def make_engine(url: str, *, pool_size: int = 8, read_url: str | None = None) -> DecisionEngine:
    """The engine for ``url``, not yet connected: ``await engine.start()`` (the
    service's lifespan does) connects, and with ``migrate=True`` applies missing
    migrations, else refuses (``SchemaOutOfDate``) a schema that is not current.

    ``read_url``: a read replica of a PostgreSQL primary for supervisors' pages
    and figures. Refused with SQLite on either side: an embedded file has no
    replica, and a page read from another engine than the one written to would
    be another log."""
    check_read_url(url, read_url)
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from advisor_tui.services.decisions.sqlite_engine import SqliteEngine

        return SqliteEngine(sqlite_path(url))
    if scheme in _POSTGRES:
        from advisor_tui.services.decisions.postgres_engine import PostgresEngine

        return PostgresEngine(url, pool_size=pool_size, read_url=read_url)
    raise ValueError(
        f"unsupported database URL {describe_url(url)!r}: use sqlite:///path or postgresql://..."
    )
