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
from datetime import datetime, timedelta
from typing import TypeVar

import httpx
from pydantic import SecretStr

from advisor_tui.clients import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    CustomersClient,
    DecisionsClient,
    FaultsClient,
    IdentityClient,
    NotFound,
    RetryPolicy,
    Unauthorised,
)
from advisor_tui.clients.tmf import TmfCustomersClient, TmfFaultsClient
from advisor_tui.contract import (
    ActionKind,
    Advisor,
    Backend,
    Channel,
    DecisionFilters,
    DecisionView,
    FaultStatus,
    HistoryEvent,
    NextActions,
    utcnow,
)
from advisor_tui.services.actions.engine import next_actions_for
from advisor_tui.services.actions.situation import (
    COMPLAINTS_LOOKBACK,
    HISTORY_LOOKBACK,
    RuleSettings,
    Situation,
)

T = TypeVar("T")

CALLER_CACHE = 32
"""Clients kept for recent callers (one set per token), so a call costs no new pool."""

COMPENSATION_DECISIONS_PAGE = 100
LOSS_LOOKBACK_DAYS = 90
"""How far before the resolved-fault window a compensation decision may have been
made and still be about a fault in it (a long outage, paid while still open)."""


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

    @property
    def transient(self) -> bool:
        """The upstream was down or slow, so asking again may work; an answer off the
        contract, too large, or refused (4xx) will be the same next time."""
        return isinstance(self.error, BackendTimeout | BackendUnavailable)


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
    decisions_url: str | None = None
    """Where the service asks, as the caller, what was already decided on the
    customer (compensation already given is not offered again)."""
    decisions_transport: httpx.AsyncBaseTransport | None = None
    """For the decisions backend only, over ``options.transport`` (the demo's in-process
    decisions service lives in another ASGI app than its stand-in backends)."""
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
        self._callers: OrderedDict[str, _CallerClients] = OrderedDict()

    def _for(self, token: str) -> _CallerClients:
        clients = self._callers.pop(token, None)
        if clients is None:
            o = self.options
            secret = SecretStr(token)
            clients = _CallerClients(
                identity=IdentityClient(
                    self.identity_url,
                    token=secret,
                    timeout=o.timeout,
                    retry=o.retry,
                    transport=o.transport,
                )
                if self.identity_url is not None
                else None,
                decisions=DecisionsClient(
                    self.decisions_url,
                    token=secret,
                    timeout=o.timeout,
                    retry=o.retry,
                    transport=self.decisions_transport or o.transport,
                )
                if self.decisions_url is not None
                else None,
            )
            while len(self._callers) >= CALLER_CACHE:
                _, old = self._callers.popitem(last=False)
                # Closing is async; an evicted caller's pools are dropped with them.
                asyncio.get_running_loop().create_task(old.aclose())
        self._callers[token] = clients
        return clients

    def identity_for(self, token: str) -> IdentityClient | None:
        """An identity client that asks as the caller (``/me`` with their token)."""
        return self._for(token).identity

    def decisions_for(self, token: str) -> DecisionsClient | None:
        """A decisions client that asks as the caller (one customer's decisions)."""
        return self._for(token).decisions

    async def aclose(self) -> None:
        await self.customers.aclose()
        await self.faults.aclose()
        for clients in self._callers.values():
            await clients.aclose()
        self._callers.clear()


@dataclass
class _CallerClients:
    """The clients that ask as one caller, with their token."""

    identity: IdentityClient | None
    decisions: DecisionsClient | None

    async def aclose(self) -> None:
        for client in (self.identity, self.decisions):
            if client is not None:
                await client.aclose()


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
        decisions = self.upstreams.decisions_for(caller_token) if caller_token else None
        wait = self.deadline
        profile, history, status, advisor, decided = await asyncio.gather(
            _caught(Backend.CUSTOMERS, customers.profile(customer_id), wait),
            _caught(Backend.CUSTOMERS, self._history(customer_id), wait),
            _caught(
                Backend.FAULTS,
                self.upstreams.faults.status(
                    customer_id, resolved_within_days=self.rules.resolved_within_days
                ),
                wait,
            ),
            _caught(Backend.IDENTITY, identity.me(), wait) if identity is not None else _none(),
            _caught(Backend.DECISIONS, self._compensation_decided(decisions, customer_id), wait)
            if decisions is not None
            else _none(),
        )
        if isinstance(profile, NotFound):
            raise CustomerNotFound(customer_id)
        if isinstance(profile, BackendError):
            raise UpstreamFailed(profile)
        missing: list[str] = []
        events: tuple[HistoryEvent, ...] | None = None
        complaints: tuple[HistoryEvent, ...] | None = None
        if isinstance(history, BackendError):
            missing.append("history")
        else:
            events, complaints = history
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
        compensation_decided: tuple[DecisionView, ...] | None = None
        if isinstance(decided, BackendError):
            missing.append("decisions")
        elif decided is not None:
            compensation_decided = tuple(decided)
        return Situation(
            profile=profile,
            # The moment the facts describe: the faults backend's own "now" when it
            # answered (a replayed or pinned backend keeps every date in its story),
            # else this service's clock.
            now=fault_status.checked_at if fault_status is not None else self.clock(),
            status=fault_status,
            history=events,
            complaints=complaints,
            process_outcomes=profile.process_outcomes,
            advisor=caller,
            settings=self.rules,
            facts_missing=tuple(missing),
            compensation_decided=compensation_decided,
        )

    async def _history(
        self, customer_id: str
    ) -> tuple[tuple[HistoryEvent, ...], tuple[HistoryEvent, ...]]:
        """The newest events, and the newest complaints, each one short page.

        Never the whole history: what a live call is about is recent, and the one
        thing that can be old (a complaint whose ombudsman clock is running) is
        asked for by channel, so it is found however many events came after it.
        """
        customers = self.upstreams.customers
        recent, complaints = await asyncio.gather(
            customers.history(customer_id, limit=self.history_limit),
            customers.history(customer_id, limit=COMPLAINTS_LOOKBACK, channel=Channel.COMPLAINT),
        )
        return tuple(recent.events), tuple(complaints.events)

    async def _compensation_decided(
        self, decisions: DecisionsClient, customer_id: str
    ) -> list[DecisionView]:
        """The customer's automatic-compensation decisions within the resolved-fault
        window, newest first (one page: a customer has a handful, not hundreds)."""
        step = self.rules.steps.step(ActionKind.AUTOMATIC_COMPENSATION)
        since = self.clock() - timedelta(days=self.rules.resolved_within_days + LOSS_LOOKBACK_DAYS)
        page = await decisions.list(
            DecisionFilters(customer_id=customer_id, step_id=step.id, since=since),
            limit=COMPENSATION_DECISIONS_PAGE,
        )
        return page.items

    async def next_actions(self, customer_id: str, caller_token: str | None = None) -> NextActions:
        return next_actions_for(await self.situation(customer_id, caller_token))

    async def aclose(self) -> None:
        await self.upstreams.aclose()


async def _none() -> None:
    return None
