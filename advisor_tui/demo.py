"""The demo's backends: the mock's stand-in data with the real services beside it.

``create_demo_app`` is what ``advisor-tui demo`` serves and what the tests build:
one ASGI app with the mock's identity, customers and faults backends, the real
actions service (``advisor_tui.services.actions``) under ``/actions`` and the
real decisions service (``advisor_tui.services.decisions``, on an embedded
SQLite log) under ``/decisions``. This module is the wiring: the mock imports
neither service, and neither service imports the mock. The actions service
reads the stand-in data through its own clients, in process
(``httpx.ASGITransport``), exactly as a deployment reads an operator's backends
over the network, so the demo and a deployment run the same rules on the same
kind of input.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI

from advisor_tui.clients import IN_PROCESS_BASE_URL, RetryPolicy
from advisor_tui.contract import Backend, routes
from advisor_tui.mock.app import create_app
from advisor_tui.mock.state import MockState
from advisor_tui.services.actions.app import build_router
from advisor_tui.services.actions.service import ActionsService, ClientOptions, Upstreams
from advisor_tui.services.actions.situation import RuleSettings
from advisor_tui.services.decisions.inprocess import demo_authenticator, sqlite_router

# In process the stand-in backends answer in microseconds unless a fault is
# injected. The deadline bounds how long an injected hang holds the actions
# answer up; it sits below the app's own timeouts (2 s connect + 5 s read by
# default), so a hung faults backend gives the app a partial answer, not none.
DEMO_UPSTREAM_DEADLINE = 3.0
DEMO_UPSTREAM_RETRY = RetryPolicy(attempts=2, initial=0.05, maximum=0.2, jitter=0.0, total=30.0)
# Per attempt; the service's deadline is what bounds the whole wait.
DEMO_UPSTREAM_TIMEOUT = httpx.Timeout(30.0)

UPSTREAM_BACKENDS = frozenset({Backend.IDENTITY, Backend.CUSTOMERS, Backend.FAULTS})


def demo_actions_service(
    state: MockState,
    rules: RuleSettings | None = None,
    deadline: float = DEMO_UPSTREAM_DEADLINE,
    tmf: frozenset[Backend] = frozenset(),
) -> ActionsService:
    """The real actions service reading ``state`` through the mock's HTTP routes."""
    upstream_app = create_app(state, backends=set(UPSTREAM_BACKENDS))
    options = ClientOptions(
        timeout=DEMO_UPSTREAM_TIMEOUT,
        retry=DEMO_UPSTREAM_RETRY,
        transport=httpx.ASGITransport(app=upstream_app),
    )

    def url(backend: Backend) -> str:
        return IN_PROCESS_BASE_URL + routes.PREFIXES[backend]

    upstreams = Upstreams(
        customers_url=url(Backend.CUSTOMERS),
        faults_url=url(Backend.FAULTS),
        identity_url=url(Backend.IDENTITY),
        options=options,
        tmf=tmf,
    )
    return ActionsService(
        upstreams=upstreams, rules=rules or RuleSettings(), clock=state.clock, deadline=deadline
    )


def demo_decisions_router(
    state: MockState, decisions_db: Path | None = None, *, insecure_demo_tokens: bool = True
) -> APIRouter:
    """The real decisions service on a SQLite log at ``decisions_db`` (memory when None),
    taking the demo identity's signed tokens (and, with ``insecure_demo_tokens``, the
    scenarios' static stand-in tokens too, as the tests use)."""
    tokens = state.tokens
    authenticator = demo_authenticator(
        tokens.jwks(),
        audience=tokens.audience,
        issuer=tokens.issuer,
        static_tokens=state.advisor_for_static_token if insecure_demo_tokens else None,
    )
    # Decisions are stamped with the real time, not the story's "now".
    return sqlite_router(decisions_db, authenticator, state.wall_clock)


def create_demo_app(
    state: MockState,
    *,
    backends: set[Backend] | None = None,
    decisions_db: Path | None = None,
    rules: RuleSettings | None = None,
    upstream_deadline: float = DEMO_UPSTREAM_DEADLINE,
    tmf: frozenset[Backend] = frozenset(),
    insecure_demo_tokens: bool = True,
) -> FastAPI:
    """Every backend the app needs, over ``state``: the mock's plus the real actions and
    decisions services.

    ``upstream_deadline`` must stay below the app's client timeout (tests with
    short client timeouts pass a shorter one). ``insecure_demo_tokens=False`` (the
    demo) makes the decisions service take only signed tokens.
    """
    # ``tmf``: the backends the actions service reads as TM Forum APIs, as the app does.
    service = demo_actions_service(state, rules, upstream_deadline, tmf)
    services = {Backend.ACTIONS: build_router(service)}
    # Built only when served: a file-backed log is created on open.
    if backends is None or Backend.DECISIONS in backends:
        services[Backend.DECISIONS] = demo_decisions_router(
            state, decisions_db, insecure_demo_tokens=insecure_demo_tokens
        )
    app = create_app(state, backends=backends, services=services)
    app.state.actions_service = service
    # What was already decided on a customer (compensation given) is asked of the
    # demo's own decisions service, in this app.
    if backends is None or Backend.DECISIONS in backends:
        service.upstreams.decisions_url = IN_PROCESS_BASE_URL + routes.PREFIXES[Backend.DECISIONS]
        service.upstreams.decisions_transport = httpx.ASGITransport(app=app)
    return app


def actions_service_of(app: FastAPI) -> ActionsService:
    """The actions service inside a demo app (tests tune its deadline)."""
    service: ActionsService = app.state.actions_service
    return service
