"""The decisions service as an ASGI app: the router, health, one error shape, lifespan.

``create_app`` serves the API at the root of its own base URL (a deployment
points the app's ``decisions`` backend URL at it). ``app_from_environment`` is
the factory uvicorn's worker processes call (``serve decisions --workers N``):
each worker builds its own engine and pool from the same settings.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI, status
from fastapi.responses import JSONResponse

from advisor_tui.contract import Backend, Health, routes
from advisor_tui.http_errors import answer_validation_errors
from advisor_tui.http_limits import BodyLimitMiddleware
from advisor_tui.services.decisions.auth import Authenticator
from advisor_tui.services.decisions.engine import DecisionEngine
from advisor_tui.services.decisions.errors import StoreUnavailable
from advisor_tui.services.decisions.router import RETRY_AFTER_S, build_router

MAX_BODY_BYTES = 256 * 1024
"""Largest request body the service reads (413 beyond)."""

# Settings handed from ``serve decisions`` to its worker processes.
ENV_SETTINGS = "ADVISOR_TUI_DECISIONS_SERVICE"


def create_app(
    engine: DecisionEngine,
    authenticator: Authenticator,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    migrate: bool = False,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await engine.start(migrate=migrate)
        try:
            yield
        finally:
            await engine.aclose()

    app = FastAPI(
        title="Advisor TUI decisions service",
        version="1",
        description="The override log: idempotent decision records in per-advisor hash "
        "chains checked by the server, reviews, supervisor pages and figures.",
        lifespan=lifespan,
    )

    @app.get(routes.HEALTH, response_model=Health, summary="Health, including the database")
    async def health() -> JSONResponse:
        try:
            await engine.ping()
        except StoreUnavailable:
            body = Health(backend=Backend.DECISIONS, ok=False, at=clock())
            return JSONResponse(
                body.model_dump(mode="json"),
                status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        return JSONResponse(
            Health(backend=Backend.DECISIONS, ok=True, at=clock()).model_dump(mode="json")
        )

    app.include_router(build_router(engine, authenticator, clock), tags=["decisions"])
    # Bodies are bounded before they are read (the contract bounds every field;
    # the largest valid decision is far below this).
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)

    answer_validation_errors(app)

    return app


def freeze_startup_heap() -> None:
    """For a server process, once its app is built: everything alive then (modules,
    the app) lives as long as the process. Frozen, a full garbage collection no
    longer walks it; unfrozen, one cost the request it landed in about 40 ms.
    Not for tests, which build many apps in one process."""
    gc.collect()
    gc.freeze()


def app_from_environment() -> FastAPI:
    """The app a worker process serves, from the settings ``serve decisions`` left in
    the environment (uvicorn's ``factory=True``)."""
    from advisor_tui.services.decisions.cli import ServiceSettings

    settings = ServiceSettings.model_validate_json(os.environ[ENV_SETTINGS])
    app: FastAPI = settings.build_app()
    freeze_startup_heap()
    return app
