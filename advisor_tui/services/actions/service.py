"""Fetching a customer's situation from live backends, and answering with the ranked actions.

The service reads through the project's own clients (customers, history, faults,
identity), so it works against whatever those point at: the mock, an operator's
systems, or the standard-API adapters. It never reads a whole history: one page
of the newest events is all the rules need.

A backend that fails is named, not hidden. Without the profile there is no
answer at all (``UpstreamFailed``); without the history or the fault status the
answer is partial, lists what is missing in ``facts_missing``, and the actions
that need the missing facts are absent rather than computed without them (no
compensation amount without the faults backend, for instance).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import httpx
from pydantic import SecretStr

from advisor_tui.clients import (
    BackendError,
    BackendTimeout,
    CustomersClient,
    FaultsClient,
    IdentityClient,
    NotFound,
    RetryPolicy,
    Unauthorised,
)
from advisor_tui.clients.tmf import TmfCustomersClient, TmfFaultsClient
from advisor_tui.contract import (
    Advisor,
    Backend,
    FaultStatus,
    HistoryEvent,
    NextActions,
    utcnow,
)
from advisor_tui.services.actions.engine import next_actions_for
from advisor_tui.services.actions.situation import HISTORY_LOOKBACK, RuleSettings, Situation

T = TypeVar("T")

CALLER_CACHE = 32
"""Identity clients kept for recent callers (one per token), so a call costs no new pool."""


class CustomerNotFound(LookupError):
    pass


class UpstreamFailed(Exception):
    """The customers backend could not give the profile: nothing can be computed."""

    def __init__(self, error: BackendError) -> None:
        super().__init__(f"{error.backend.value} backend: {error.message}")
        self.error = error

    @property
    def timed_out(self) -> bool:
        return isinstance(self.error, BackendTimeout)


@dataclass
class ClientOptions:
    """How the service's clients reach the backends (from the same settings as the app)."""

    timeout: httpx.Timeout | None = None
    retry: RetryPolicy | None = None
    token: SecretStr | None = None
    transport: httpx.AsyncBaseTransport | None = None


@dataclass
class Upstreams:
    """The backends the service reads: customers (profile and history), faults, identity."""

    customers_url: str
    faults_url: str
    identity_url: str | None
    options: ClientOptions = field(default_factory=ClientOptions)
    # Backends that speak the TM Forum APIs (config ``protocol = "tmf"``): read
    # through the TMF adapters, which return the same contract models.
    tmf: frozenset[Backend] = frozenset()

    def __post_init__(self) -> None:
        o = self.options
        customers_client = TmfCustomersClient if Backend.CUSTOMERS in self.tmf else CustomersClient
        faults_client = TmfFaultsClient if Backend.FAULTS in self.tmf else FaultsClient
        self.customers = customers_client(
            self.customers_url,
            token=o.token,
            timeout=o.timeout,
            retry=o.retry,
            transport=o.transport,
        )
        self.faults = faults_client(
            self.faults_url, token=o.token, timeout=o.timeout, retry=o.retry, transport=o.transport
        )
        self._callers: OrderedDict[str, IdentityClient] = OrderedDict()

    def identity_for(self, token: str) -> IdentityClient | None:
        """An identity client that asks as the caller (``/me`` with their token)."""
        if self.identity_url is None:
            return None
        client = self._callers.pop(token, None)
        if client is None:
            o = self.options
            client = IdentityClient(
                self.identity_url,
                token=SecretStr(token),
                timeout=o.timeout,
                retry=o.retry,
                transport=o.transport,
            )
            while len(self._callers) >= CALLER_CACHE:
                _, old = self._callers.popitem(last=False)
                # Closing is async; an evicted client's pool is dropped with it.
                asyncio.get_running_loop().create_task(old.aclose())
        self._callers[token] = client
        return client

    async def aclose(self) -> None:
        await self.customers.aclose()
        await self.faults.aclose()
        for client in self._callers.values():
            await client.aclose()
        self._callers.clear()


async def _caught(backend: Backend, call: Awaitable[T], deadline: float | None) -> T | BackendError:
    try:
        async with asyncio.timeout(deadline):
            return await call
    except BackendError as error:
        return error
    except TimeoutError:
        return BackendTimeout(backend, f"no answer within the service's {deadline:g}s deadline")


@dataclass
class ActionsService:
    upstreams: Upstreams
    rules: RuleSettings = field(default_factory=RuleSettings)
    clock: Callable[[], datetime] = utcnow
    history_limit: int = HISTORY_LOOKBACK
    deadline: float | None = None
    """Seconds to wait for the backends, retries included, before answering without
    what is still missing. Set it below the callers' own timeout, so that a slow
    faults backend gives them a partial answer rather than no answer."""

    async def situation(self, customer_id: str, caller_token: str | None = None) -> Situation:
        customers = self.upstreams.customers
        identity = self.upstreams.identity_for(caller_token) if caller_token else None
        wait = self.deadline
        profile, history, status, advisor = await asyncio.gather(
            _caught(Backend.CUSTOMERS, customers.profile(customer_id), wait),
            _caught(
                Backend.CUSTOMERS, customers.history(customer_id, limit=self.history_limit), wait
            ),
            _caught(Backend.FAULTS, self.upstreams.faults.status(customer_id), wait),
            _caught(Backend.IDENTITY, identity.me(), wait) if identity is not None else _none(),
        )
        if isinstance(profile, NotFound):
            raise CustomerNotFound(customer_id)
        if isinstance(profile, BackendError):
            raise UpstreamFailed(profile)
        missing: list[str] = []
        events: tuple[HistoryEvent, ...] | None
        if isinstance(history, BackendError):
            missing.append("history")
            events = None
        else:
            events = tuple(history.events)
        fault_status: FaultStatus | None
        if isinstance(status, BackendError):
            missing.append("faults")
            fault_status = None
        else:
            fault_status = status
        caller: Advisor | None = None
        if isinstance(advisor, Unauthorised):
            caller = None  # an unknown caller only loses the default follow-up owner
        elif isinstance(advisor, BackendError):
            missing.append("identity")
        else:
            caller = advisor
        return Situation(
            profile=profile,
            # The moment the facts describe: the faults backend's own "now" when it
            # answered (a replayed or pinned backend keeps every date in its story),
            # else this service's clock.
            now=fault_status.checked_at if fault_status is not None else self.clock(),
            status=fault_status,
            history=events,
            process_outcomes=profile.process_outcomes,
            advisor=caller,
            settings=self.rules,
            facts_missing=tuple(missing),
        )

    async def next_actions(self, customer_id: str, caller_token: str | None = None) -> NextActions:
        return next_actions_for(await self.situation(customer_id, caller_token))

    async def aclose(self) -> None:
        await self.upstreams.aclose()


async def _none() -> None:
    return None
