"""The decisions service wired in process, for the demo and the test fixtures.

The demo's wiring (``advisor_tui.demo``) mounts this router beside the mock's
stand-in backends, on an embedded SQLite ledger, with the demo identity's keys:
the demo and a deployment run the same chain checks and rules. This module
knows nothing of the mock; the wiring hands it the keys and the token table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter

from advisor_tui.contract import Advisor
from advisor_tui.services.decisions.auth import (
    Authenticator,
    EitherAuthenticator,
    JwtAuthenticator,
    TokenTable,
)
from advisor_tui.services.decisions.router import build_router
from advisor_tui.services.decisions.sqlite_engine import SqliteEngine
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger


def sqlite_router(
    db_path: Path | None,
    authenticator: Authenticator,
    clock: Callable[[], datetime],
) -> APIRouter:
    """The decisions API on a SQLite ledger at ``db_path`` (memory when None), migrated on open."""
    return build_router(SqliteEngine(SqliteLedger(db_path)), authenticator, clock)


def demo_authenticator(
    jwks: str,
    *,
    audience: str,
    issuer: str | None,
    static_tokens: Callable[[str], Advisor | None] | None = None,
) -> Authenticator:
    """JWTs verified against ``jwks`` as an operator's would be; with ``static_tokens``
    (insecure, demo and tests only) the static stand-in tokens that table knows too."""
    signed = JwtAuthenticator.from_jwks(jwks, audience=audience, issuer=issuer)
    if static_tokens is None:
        return signed
    return EitherAuthenticator(signed, TokenTable(static_tokens))
