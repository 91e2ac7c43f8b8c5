"""One FastAPI app serving the mock backends, each under its own path prefix.

The mock holds stand-in data only: identity, customers (with history) and
faults. Next actions and decisions are served by the real services
(``advisor_tui.services.actions`` and ``.decisions``); the demo's wiring passes
their routes in ``services`` so they are served here beside the stand-in data,
under the same prefix, health route and fault injection as a mock backend (see
``advisor_tui.demo``). The mock imports neither service.

``create_app`` mounts each backend's router under ``routes.PREFIXES[backend]``
with a health route, adds the admin router (fault injection, never itself
subject to faults) under ``routes.ADMIN_PREFIX``, and publishes one OpenAPI
document at ``/openapi.json``. A client configured with base URL
``http://host:port/customers`` sees exactly the customers backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from advisor_tui import mock
from advisor_tui.contract import Backend, ErrorBody, FaultSpec, Health, routes
from advisor_tui.http_errors import answer_validation_errors
from advisor_tui.http_limits import BodyLimitMiddleware
from advisor_tui.mock import customers, faults, identity, tmf
from advisor_tui.mock.injection import FaultInjectionMiddleware
from advisor_tui.mock.openapi import truthful_errors
from advisor_tui.mock.state import MockState
from advisor_tui.mock.story_date import StoryDateMiddleware

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body the mock reads (413 beyond): the largest valid one, a
decision with every list and string at its contract limit, is far smaller in
practice, and a 50 MB note must not be read into memory first."""

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

_NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"model": ErrorBody}}


MOCK_BACKENDS = frozenset({Backend.IDENTITY, Backend.CUSTOMERS, Backend.FAULTS})
"""The backends served without a ``services`` router: the mock's stand-ins. Actions
and decisions come from the real services, given in ``services`` (``advisor_tui.demo``)."""


def _backend_router(
    backend: Backend,
    state: MockState,
    services: Mapping[Backend, APIRouter],
) -> APIRouter:
    builders: dict[Backend, Callable[[], APIRouter]] = {
        Backend.IDENTITY: lambda: identity.build_router(state),
        Backend.CUSTOMERS: lambda: customers.build_router(state),
        Backend.FAULTS: lambda: faults.build_router(state),
    }
    router = APIRouter()

    # Health first, so a backend router that happens to define the same path
    # cannot shadow the one the header's health light depends on.
    @router.get(
        routes.HEALTH,
        response_model=Health,
        summary=f"Health of the {backend.value} backend",
        operation_id=f"{backend.value}_health",
    )
    def health() -> Health:
        return Health(backend=backend, ok=True, at=state.clock())

    router.include_router(services[backend] if backend in services else builders[backend]())
    return router


def _admin_router(state: MockState, backends: frozenset[Backend]) -> APIRouter:
    router = APIRouter()

    def check(backend: Backend) -> None:
        if backend not in backends:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, detail=f"backend {backend.value!r} is not served here"
            )

    @router.get("/faults", summary="Fault injection of every served backend")
    def all_faults() -> dict[Backend, FaultSpec]:
        return {b: state.faults.get(b, FaultSpec()) for b in Backend if b in backends}

    @router.get(routes.ADMIN_FAULTS, response_model=FaultSpec, responses=_NOT_FOUND)
    def get_faults(backend: Backend) -> FaultSpec:
        check(backend)
        return state.faults.get(backend, FaultSpec())

    @router.put(
        routes.ADMIN_FAULTS,
        response_model=FaultSpec,
        responses=_NOT_FOUND,
        summary="Replace a backend's fault injection; applies from the next request",
    )
    def put_faults(backend: Backend, spec: FaultSpec) -> FaultSpec:
        check(backend)
        state.faults[backend] = spec
        return spec

    return router


def _operation_id(route: APIRoute) -> str:
    # "customers_history" reads better in generated clients than FastAPI's
    # default, which spells out the whole path and method.
    return f"{route.tags[0]}_{route.name}" if route.tags else route.name


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at this path, for a 405's ``Allow`` header.

    Starlette names only the methods of the first route whose path matched, so a
    path served by a GET route and a POST route answered a PUT with ``Allow: GET``.
    Each method is tried against the routes as the router itself would match it
    (included routers nest, so the routes cannot simply be listed).
    """
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed


class MockApi(FastAPI):
    """FastAPI whose OpenAPI document describes the error bodies the mock really sends."""

    def openapi(self) -> dict[str, Any]:
        if not self.openapi_schema:
            self.openapi_schema = truthful_errors(super().openapi())
        return self.openapi_schema


def create_app(
    state: MockState,
    *,
    backends: set[Backend] | None = None,
    services: Mapping[Backend, APIRouter] | None = None,
) -> FastAPI:
    """The mock backends over ``state``, plus the routers of real ``services``.

    ``backends`` serves a subset (others 404); by default every mock backend and
    every given service.
    """
    services = dict(services or {})
    available = MOCK_BACKENDS | services.keys()
    served = frozenset(backends) & available if backends is not None else frozenset(available)
    app = MockApi(
        title="Advisor TUI mock backends",
        version="1",
        description=(mock.__doc__ or "").strip()
        + "\n\nEach backend lives under its own prefix: "
        + ", ".join(f"`{routes.PREFIXES[b]}` ({b.value})" for b in Backend if b in served)
        + f". Fault injection is under `{routes.ADMIN_PREFIX}`.",
        generate_unique_id_function=_operation_id,
    )
    for backend in Backend:
        if backend in served:
            app.include_router(
                _backend_router(backend, state, services),
                prefix=routes.PREFIXES[backend],
                tags=[backend.value],
            )
            tmf_router = tmf.build_router(backend, state)
            if tmf_router is not None:
                app.include_router(tmf_router, prefix=routes.PREFIXES[backend])
    app.include_router(_admin_router(state, served), prefix=routes.ADMIN_PREFIX, tags=["admin"])

    answer_validation_errors(app)

    @app.exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED)
    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        detail = exc.detail if isinstance(exc, StarletteHTTPException) else "Method Not Allowed"
        return JSONResponse(
            ErrorBody(detail=str(detail)).model_dump(),
            status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
            headers={"Allow": ", ".join(allowed_methods(app, request))},
        )

    app.add_middleware(FaultInjectionMiddleware, state=state, backends=served)
    app.add_middleware(StoryDateMiddleware, clock=state.clock)
    # Added last, so outermost: an oversize body is refused before any latency
    # or fault is applied and before anything reads it.
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    return app
