"""``advisor-tui serve decisions``: run the decisions service, migrate its database.

    advisor-tui serve decisions --database sqlite:///var/lib/advisor/decisions.sqlite3 --migrate
    advisor-tui serve decisions --database postgresql://app@db/decisions --workers 4 \\
        --read-database postgresql://app@replica/decisions \\
        --jwks /etc/advisor/jwks.json --audience advisor-tui

The database URLs may also come from ``ADVISOR_TUI_DECISIONS_DATABASE`` and
``ADVISOR_TUI_DECISIONS_READ_DATABASE`` (keeps a password out of the process
list). A read database (a streaming replica of the PostgreSQL primary) serves
the supervisors' pages and figures; writes and chain checks stay on the
primary. Tokens: signed JWTs only (``--jwks`` or ``--jwt-public-key``);
``--insecure-demo-tokens`` also takes the demo's static tokens, for a demo and
nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from advisor_tui.contract import Advisor
from advisor_tui.services.decisions.engine import check_read_url, describe_url, make_engine
from advisor_tui.services.decisions.migrations import SchemaOutOfDate

DATABASE_ENV = "ADVISOR_TUI_DECISIONS_DATABASE"
READ_DATABASE_ENV = "ADVISOR_TUI_DECISIONS_READ_DATABASE"
DEFAULT_DATABASE = "sqlite:///decisions-service.sqlite3"
DEFAULT_PORT = 8766


class ServiceSettings(BaseModel):
    """Everything a worker process needs to build the app (handed over as JSON)."""

    database: str
    read_database: str | None = None
    pool_size: int = 8
    audience: str = "advisor-tui"
    issuer: str | None = None
    jwks: Path | None = None
    jwt_public_key: Path | None = None
    insecure_demo_tokens: bool = False
    demo_tokens: dict[str, Advisor] = {}
    """The static stand-in tokens (token -> advisor) ``--insecure-demo-tokens`` takes,
    handed in by the wiring that knows the demo's scenarios (``advisor_tui.cli``)."""

    def authenticator(self) -> Any:
        from advisor_tui.services.decisions.auth import (
            EitherAuthenticator,
            JwtAuthenticator,
            TokenTable,
        )

        signed: Any = None
        if self.jwks is not None:
            signed = JwtAuthenticator.from_jwks(
                self.jwks.read_text(encoding="utf-8"), audience=self.audience, issuer=self.issuer
            )
        elif self.jwt_public_key is not None:
            signed = JwtAuthenticator.from_public_key(
                self.jwt_public_key.read_bytes(), audience=self.audience, issuer=self.issuer
            )
        if not self.insecure_demo_tokens:
            if signed is None:
                raise ValueError(
                    "no way to check tokens: pass --jwks FILE or --jwt-public-key FILE "
                    "(or --insecure-demo-tokens for a demo)"
                )
            return signed
        static = TokenTable(self.demo_tokens.get)
        return static if signed is None else EitherAuthenticator(signed, static)

    def build_app(self) -> Any:
        from advisor_tui.services.decisions.service import create_app

        engine = make_engine(self.database, pool_size=self.pool_size, read_url=self.read_database)
        return create_app(engine, self.authenticator())


def add_parser(serve_sub: Any) -> None:
    """Register ``serve decisions`` under the ``serve`` command's subparsers."""
    parser = serve_sub.add_parser(
        "decisions", help="run the decisions service (the override log) on SQLite or PostgreSQL"
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help=f"sqlite:///path or postgresql://user@host/db (default ${DATABASE_ENV}, "
        f"else {DEFAULT_DATABASE})",
    )
    parser.add_argument(
        "--read-database",
        default=None,
        metavar="URL",
        help="postgresql://... of a read replica for supervisors' pages and figures; writes "
        f"and chain checks stay on --database (default ${READ_DATABASE_ENV}, else none)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes (default 1)"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=8,
        metavar="N",
        help="PostgreSQL connections per worker (default 8; 4-8 suit 2 cores)",
    )
    parser.add_argument(
        "--migrate", action="store_true", help="apply missing schema migrations, then serve"
    )
    parser.add_argument(
        "--migrate-only", action="store_true", help="apply missing schema migrations and exit"
    )
    parser.add_argument("--jwks", type=Path, default=None, metavar="FILE", help="JWKS file")
    parser.add_argument(
        "--jwt-public-key", type=Path, default=None, metavar="FILE", help="PEM public key"
    )
    parser.add_argument("--audience", default="advisor-tui", help="required aud claim")
    parser.add_argument("--issuer", default=None, help="required iss claim (default: any)")
    parser.add_argument(
        "--insecure-demo-tokens",
        action="store_true",
        help="also accept the demo's static tokens (never in production)",
    )


async def migrate(database: str) -> None:
    engine = make_engine(database, pool_size=1)
    try:
        await engine.start(migrate=True)
    finally:
        await engine.aclose()


def cmd_serve_decisions(
    args: argparse.Namespace, demo_tokens: Callable[[], Mapping[str, Advisor]] | None = None
) -> int:
    """Serve (or migrate). ``demo_tokens`` gives the static stand-in tokens that
    ``--insecure-demo-tokens`` accepts; the service itself knows no demo data."""
    import uvicorn

    from advisor_tui.services.decisions.errors import StoreUnavailable
    from advisor_tui.services.decisions.service import ENV_SETTINGS, freeze_startup_heap

    database = args.database or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    read_database = args.read_database or os.environ.get(READ_DATABASE_ENV) or None
    settings = ServiceSettings(
        database=database,
        read_database=read_database,
        pool_size=args.pool_size,
        audience=args.audience,
        issuer=args.issuer,
        jwks=args.jwks,
        jwt_public_key=args.jwt_public_key,
        insecure_demo_tokens=args.insecure_demo_tokens,
        demo_tokens=dict(demo_tokens()) if args.insecure_demo_tokens and demo_tokens else {},
    )
    shown = describe_url(database)
    if read_database is not None:
        shown += f" (pages and figures from {describe_url(read_database)})"
    try:
        check_read_url(database, read_database)
        settings.authenticator()  # fail now, not in every worker
        if args.migrate or args.migrate_only:
            asyncio.run(migrate(database))
            print(f"decisions database {shown}: schema up to date", file=sys.stderr)
            if args.migrate_only:
                return 0
        asyncio.run(_check_schema(database, read_database))
    except (SchemaOutOfDate, StoreUnavailable, ValueError, OSError) as error:
        print(f"advisor-tui: serve decisions: {error}", file=sys.stderr)
        return 2
    if args.insecure_demo_tokens:
        print(
            "WARNING: accepting the demo's static tokens (--insecure-demo-tokens)", file=sys.stderr
        )
    print(
        f"serving decisions on http://{args.host}:{args.port} from {shown} "
        f"with {args.workers} worker(s) (Ctrl+C stops)",
        file=sys.stderr,
    )
    if args.workers <= 1:
        app = settings.build_app()
        freeze_startup_heap()
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
        return 0
    # Each worker process builds its own engine and pool from these settings.
    os.environ[ENV_SETTINGS] = json.dumps(settings.model_dump(mode="json"))
    uvicorn.run(
        "advisor_tui.services.decisions.service:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        log_config=worker_log_config(),
    )
    return 0


def worker_log_config() -> dict[str, Any]:
    """uvicorn's logging, each line naming the worker process that wrote it: with
    several workers their lines interleave, and an error or a slow request is
    then traced to one process (and its pool, whose connections PostgreSQL's
    ``pg_stat_activity`` lists by client)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = formatter["fmt"].replace(
            "%(levelprefix)s ", "%(levelprefix)s [pid %(process)d] ", 1
        )
    return config


async def _check_schema(database: str, read_database: str | None) -> None:
    engine = make_engine(database, pool_size=1, read_url=read_database)
    try:
        await engine.start(migrate=False)
    finally:
        await engine.aclose()
