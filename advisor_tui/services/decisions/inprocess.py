"""The decisions service wired in process, for the demo and the test fixtures.

The mock app serves the real decisions router (the same one ``serve
decisions`` runs) on an embedded SQLite ledger, with the mock's stand-in
identities: the demo and a deployment run the same chain checks and rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter

from advisor_tui.services.decisions.auth import (
    Authenticator,
    EitherAuthenticator,
    JwtAuthenticator,
    TokenTable,
)
from advisor_tui.services.decisions.router import build_router
from advisor_tui.services.decisions.sqlite_engine import SqliteEngine
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger

if TYPE_CHECKING:
    from advisor_tui.mock.state import MockState


def sqlite_router(
    db_path: Path | None,
    authenticator: Authenticator,
    clock: Callable[[], datetime],
) -> APIRouter:
    """The decisions API on a SQLite ledger at ``db_path`` (memory when None), migrated on open."""
    return build_router(SqliteEngine(SqliteLedger(db_path)), authenticator, clock)


def demo_authenticator(state: MockState, *, insecure_demo_tokens: bool) -> Authenticator:
    """JWTs signed by the demo identity's key, verified as an operator's would be;
    with ``insecure_demo_tokens`` the static stand-in tokens too."""
    signed = JwtAuthenticator.from_jwks(
        state.tokens.jwks(), audience=state.tokens.audience, issuer=state.tokens.issuer
    )
    if not insecure_demo_tokens:
        return signed
    return EitherAuthenticator(signed, TokenTable(state.advisor_for_static_token))
