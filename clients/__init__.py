"""Typed async HTTP clients, one per backend, returning contract models and raising
typed errors. Nothing here imports Textual: scripts and tests use them directly.

The public API is what ``__all__`` names (``import advisor_tui.clients``): build
every client at once with ``Backends.from_settings`` (or connect the way the app
does with ``advisor_tui.scripting.open_backends``), call the typed methods, and
catch the ``BackendError`` subclasses. Answers are ``advisor_tui.contract`` models.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Self, TypeVar

import httpx

from advisor_tui.clients._http import (
    BackendHttp,
    CallHealth,
    HealthCallback,
    HealthState,
    RetryPolicy,
)
from advisor_tui.clients.actions import ActionsClient
from advisor_tui.clients.customers import CustomersClient
from advisor_tui.clients.decisions import DecisionsClient
from advisor_tui.clients.errors import (
    AnswerTooLarge,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    Conflict,
    ContractViolation,
    Forbidden,
    NotFound,
    Unauthorised,
)
from advisor_tui.clients.faults import FaultsClient
from advisor_tui.clients.identity import IdentityClient
from advisor_tui.config.settings import Protocol, Settings
from advisor_tui.contract.common import Backend
from advisor_tui.contract.routes import PREFIXES

# Base URL used with an injected in-process transport when no URLs are configured:
# the host is never resolved, the transport answers every request itself.
IN_PROCESS_BASE_URL = "http://mock.invalid"

_Client = TypeVar("_Client", bound=BackendHttp)


def retry_policy(settings: Settings) -> RetryPolicy:
    """The retry policy the ``[retry]`` settings describe."""
    r = settings.retry
    return RetryPolicy(
        attempts=r.attempts, initial=r.initial, maximum=r.max, jitter=r.jitter, total=r.total
    )


def http_timeout(settings: Settings) -> httpx.Timeout:
    """The httpx timeouts the ``[timeouts]`` settings describe."""
    t = settings.timeouts
    return httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)


@dataclass
class Backends:
    """The five clients an advisor screen needs, built from one ``Settings``."""

    identity: IdentityClient
    customers: CustomersClient
    faults: FaultsClient
    actions: ActionsClient
    decisions: DecisionsClient

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        base_url: str | None = None,
        on_health: HealthCallback | None = None,
        display_safe: bool = True,
    ) -> Self:
        """Build every client.

        ``display_safe=False`` only for callers that escape text themselves
        before any terminal sees it (``advisor-tui call`` prints JSON); the app
        always gets display-safe strings (see ``clients/_display.py``).

        URLs come from ``settings``; ``base_url`` (else ``settings.mock_url``)
        instead points all five at one server laid out like the mock
        (``/<backend>`` prefixes), e.g. the demo's loopback server. With no URLs
        configured (the demo) a ``transport`` is required, e.g.
        ``httpx.ASGITransport(app=create_app(state))``.
        """
        urls: dict[Backend, str] = {}
        if base_url is None and settings.mock_url is not None:
            base_url = str(settings.mock_url)
        if base_url is None and settings.is_demo:
            if transport is None:
                raise ValueError(
                    "no backend URLs configured: pass base_url or an in-process transport"
                )
            base_url = IN_PROCESS_BASE_URL
        for backend in Backend:
            if base_url is not None:
                urls[backend] = base_url.rstrip("/") + PREFIXES[backend]
            else:
                urls[backend] = str(settings.backends.url(backend))

        # httpx loads the CA bundle for every client it builds (~30 ms each on
        # a quiet machine, a fifth of a cold start for five clients): load it
        # once, with the same defaults, and share it; when the first client is
        # first used (after the app's first frame), not now.
        verify: ssl.SSLContext | bool | Callable[[], ssl.SSLContext] = (
            functools.cache(httpx.create_ssl_context) if transport is None else True
        )

        def make(client_cls: type[_Client]) -> _Client:
            return client_cls(
                urls[client_cls.backend],
                token=settings.token,
                timeout=http_timeout(settings),
                retry=retry_policy(settings),
                transport=transport,
                slow_ms=settings.slow_ms,
                on_health=on_health,
                max_response_bytes=settings.backends.section(client_cls.backend).max_response_bytes,
                display_safe=display_safe,
                verify=verify,
            )

        tmf = {b for b in Backend if settings.backends.protocol(b) is Protocol.TMF}
        customers: type[CustomersClient] = CustomersClient
        faults: type[FaultsClient] = FaultsClient
        if tmf:
            # Imported only when configured: the TMF models cost a cold start ~30 ms.
            from advisor_tui.clients.tmf import TmfCustomersClient, TmfFaultsClient

            if Backend.CUSTOMERS in tmf:
                customers = TmfCustomersClient
            if Backend.FAULTS in tmf:
                faults = TmfFaultsClient
        return cls(
            identity=make(IdentityClient),
            customers=make(customers),
            faults=make(faults),
            actions=make(ActionsClient),
            decisions=make(DecisionsClient),
        )

    def __iter__(self) -> Iterator[BackendHttp]:
        return iter((self.identity, self.customers, self.faults, self.actions, self.decisions))

    def client(self, backend: Backend) -> BackendHttp:
        """The client of ``backend``, for code that picks the backend at run time."""
        client: BackendHttp = getattr(self, backend.value)
        return client

    def health(self) -> dict[Backend, CallHealth]:
        """The latest call outcome per backend, for the header's health lights."""
        return {c.backend: c.last_call for c in self}

    async def aclose(self) -> None:
        """Close every client's connections (``async with Backends...`` does it for you)."""
        for client in self:
            await client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


__all__ = [
    "IN_PROCESS_BASE_URL",
    "ActionsClient",
    "AnswerTooLarge",
    "BackendError",
    "BackendHttp",
    "BackendTimeout",
    "BackendUnavailable",
    "Backends",
    "BadRequest",
    "CallHealth",
    "Conflict",
    "ContractViolation",
    "CustomersClient",
    "DecisionsClient",
    "FaultsClient",
    "Forbidden",
    "HealthCallback",
    "HealthState",
    "IdentityClient",
    "NotFound",
    "RetryPolicy",
    "Unauthorised",
    "http_timeout",
    "retry_policy",
]
