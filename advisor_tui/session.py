"""What the app runs against, and the one owner of its backend calls.

No Textual here. The CLI builds a Session (demo or live), tests build one on
in-process mocks, and screens and widgets call its methods instead of touching
HTTP clients or SQLite themselves: every backend call the UI makes is a method
below, and every failure is worded by ``advisor_tui.failures.describe_failure``.
The UI side runs these calls in workers in one place
(``advisor_tui.widgets._workers.BackendCalls``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from advisor_tui.clients import BackendError, Backends, CallHealth, HealthState, NotFound
from advisor_tui.clients.identity import read_directory
from advisor_tui.config import Settings
from advisor_tui.contract import (
    Advisor,
    AdvisorEntry,
    Backend,
    ChainHead,
    CustomerProfile,
    Decision,
    DecisionFilters,
    DecisionKind,
    DecisionPage,
    DecisionStats,
    DecisionView,
    FaultStatus,
    FollowUp,
    FollowUpCreate,
    HistoryPage,
    NextActions,
    ReasonCode,
    Review,
    ReviewCreate,
    SearchResult,
    routes,
    utcnow,
)
from advisor_tui.contract.customers import Channel
from advisor_tui.failures import EndpointMissing, failure_reason
from advisor_tui.formatting import LONDON, DisplayTime
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.store.export import open_export
from advisor_tui.store.outbox import DecisionOutbox, OutboxStatus
from advisor_tui.supervision import AdvisorNames, DecisionQuery, export_server, list_page

CUSTOMER_NAMES_KEPT = 1_000
"""Customer names remembered for the review screen (oldest forgotten first)."""


class RunKind(StrEnum):
    DEMO = "demo"
    LIVE = "live"
    TEST = "test"


@dataclass(frozen=True)
class RunMode:
    """What the header says the app runs against, as a type rather than a string
    to search: ``kind`` picks the style, ``label`` is what is shown, and
    ``decision_log`` names the local log a demo writes to. ``story_date`` is the
    demo's pinned day (its figures count from it, not from today), shown even
    where the header has no room for the whole label."""

    kind: RunKind
    label: str
    decision_log: Path | None = None
    story_date: str | None = None

    @property
    def is_demo(self) -> bool:
        return self.kind is not RunKind.LIVE


LIVE = RunMode(RunKind.LIVE, "LIVE")


@dataclass(frozen=True)
class Decided:
    """What was last decided on an action, by whom and when (from the local log)."""

    kind: DecisionKind
    advisor_id: str
    at: datetime


@dataclass
class Session:
    backends: Backends
    mode: RunMode = LIVE
    keymap: dict[str, str] = field(default_factory=dict)
    settings: Settings | None = None
    store: DecisionStore | None = None
    outbox: DecisionOutbox | None = None
    # The latest answer of each backend's own health route: a light is green
    # only once this was a well-formed "ok" from the right backend.
    checked: dict[Backend, CallHealth] = field(default_factory=dict)
    reason_codes_cache: list[ReasonCode] | None = None
    # Read once per session for the review screen: names change rarely, and a
    # reviewer reopening the screen must not wait for them again.
    advisor_directory_cache: list[AdvisorEntry] | None = None
    customer_names: dict[str, str] = field(default_factory=dict)
    times: DisplayTime = field(init=False)
    """The one zone every screen shows times in (``display.timezone``)."""
    # Said before the screen opened (config permissions, a damaged decision
    # log): printed to stderr, which the alternate screen hides, so the app
    # shows them again.
    startup_warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.times = self.settings.display.times if self.settings is not None else LONDON
        if self.store is not None and self.outbox is None:
            self.outbox = DecisionOutbox(self.store, self.backends.decisions)

    # -- health -------------------------------------------------------------------------

    async def check_health(self) -> None:
        """Ask every backend's health route at once and keep the answers."""
        await asyncio.gather(*(self._check(backend) for backend in Backend))

    async def _check(self, backend: Backend) -> None:
        client = self.backends.client(backend)
        try:
            answer = await client.health()
        except NotFound:
            missing = EndpointMissing(backend, client.base_url.rstrip("/") + routes.HEALTH)
            self.checked[backend] = _down(failure_reason(missing))
            return
        except BackendError as error:
            self.checked[backend] = _down(failure_reason(error))
            return
        if answer.backend is not backend:
            self.checked[backend] = _down(f"answered as the {answer.backend.value} backend")
        elif not answer.ok:
            self.checked[backend] = _down(f"{backend.value} says it is not healthy")
        else:
            self.checked[backend] = client.last_call

    def health(self) -> dict[Backend, CallHealth]:
        """Per backend, what its light shows: unknown until its health route
        answered well; then the latest call's outcome, unless the health route
        failed and nothing has succeeded since."""
        lights: dict[Backend, CallHealth] = {}
        for client in self.backends:
            checked = self.checked.get(client.backend)
            latest = client.last_call
            if checked is None:
                lights[client.backend] = CallHealth(reason="not checked yet")
            elif checked.state is not HealthState.DOWN:
                lights[client.backend] = latest
            elif (
                latest.state in (HealthState.OK, HealthState.SLOW)
                and latest.at is not None
                and checked.at is not None
                and latest.at > checked.at
                and self._answers_since(client.backend, checked)
            ):
                lights[client.backend] = latest
            else:
                lights[client.backend] = checked
        return lights

    def _answers_since(self, backend: Backend, checked: CallHealth) -> bool:
        # A 404 on the health route is not cured by later 4xx answers (the
        # client records any 4xx as "up"); only a new health check clears it.
        return "no such endpoint" not in (checked.reason or "")

    def health_problem(self, backend: Backend) -> str | None:
        """Why a backend's light is not green, in words, or None."""
        light = self.health().get(backend)
        if light is None or light.state in (HealthState.OK, HealthState.SLOW):
            return None
        return light.reason

    # -- identity -----------------------------------------------------------------------

    async def sign_in(self) -> Advisor:
        try:
            return await self.backends.identity.me()
        except NotFound:
            # The "me" route always exists on an identity backend: a 404 means
            # the URL points somewhere else.
            url = self.backends.identity.base_url.rstrip("/") + routes.ME
            raise EndpointMissing(Backend.IDENTITY, url) from None

    # -- the advisor screen's panels ----------------------------------------------------------

    async def search(self, query: str) -> SearchResult:
        return await self.backends.customers.search(query)

    async def profile(self, customer_id: str) -> CustomerProfile:
        return await self.backends.customers.profile(customer_id)

    async def history(
        self,
        customer_id: str,
        *,
        cursor: str | None = None,
        limit: int,
        channel: Channel | None = None,
        query: str | None = None,
    ) -> HistoryPage:
        return await self.backends.customers.history(
            customer_id, cursor=cursor, limit=limit, channel=channel, query=query
        )

    async def fault_status(self, customer_id: str) -> FaultStatus:
        within = self.settings.faults.resolved_within_days if self.settings is not None else None
        if within is None:
            return await self.backends.faults.status(customer_id)
        return await self.backends.faults.status(customer_id, resolved_within_days=within)

    async def next_actions(self, customer_id: str) -> NextActions:
        return await self.backends.actions.next_actions(customer_id)

    async def reason_codes(self) -> list[ReasonCode]:
        """Fetched once per session: they change with a release, not a call."""
        if self.reason_codes_cache is None:
            self.reason_codes_cache = await self.backends.actions.reason_codes()
        return self.reason_codes_cache

    async def create_follow_up(self, customer_id: str, follow_up: FollowUpCreate) -> FollowUp:
        return await self.backends.customers.create_follow_up(customer_id, follow_up)

    # -- decisions: the local log and its delivery ---------------------------------------------

    async def record(self, decision: Decision) -> None:
        """Durable on this machine before it returns; delivery follows in the background.

        The fsync runs in a thread so a slow disk never stalls the UI loop.
        """
        if self.store is None:
            raise RuntimeError("no local decision store")
        await asyncio.to_thread(self.store.append, decision)
        if self.outbox is not None:
            self.outbox.notify()

    async def deliver_forever(self, stop: asyncio.Event) -> None:
        """Deliver pending decisions (including those left by a crash) until ``stop``."""
        if self.outbox is not None:
            await self.outbox.run(stop)

    def outbox_status(self) -> OutboxStatus | None:
        return self.outbox.status if self.outbox is not None else None

    def decided_actions(self, customer_id: str) -> dict[str, Decided]:
        """What was last decided on each of the customer's actions on this machine."""
        if self.store is None:
            return {}
        page = self.store.list(customer_id=customer_id, limit=200)
        decided: dict[str, Decided] = {}
        for record in reversed(page.items):  # oldest first, so the latest wins
            decision = record.decision
            decided[decision.action_id] = Decided(
                decision.kind, decision.advisor_id, decision.decided_at
            )
        return decided

    async def my_needs_approval(self, advisor_id: str, *, limit: int) -> list[DecisionView]:
        page = await self.backends.decisions.list(
            DecisionFilters(advisor_id=advisor_id, needs_approval=True), limit=limit
        )
        return page.items

    async def my_approvals(
        self, advisor_id: str, *, limit: int
    ) -> tuple[list[DecisionView], dict[str, str]]:
        """The advisor's needs-approval decisions, and their customers' names by id:
        one batched lookup, best effort (the line shows ids where it fails)."""
        views = await self.my_needs_approval(advisor_id, limit=limit)
        try:
            names = await self.customer_names_of([v.decision.customer_id for v in views])
        except BackendError:
            names = {}
        return views, names

    # -- review (team leads and supervisors) ------------------------------------------------

    async def decisions_page(
        self, query: DecisionQuery, *, cursor: str | None, limit: int
    ) -> DecisionPage:
        return await list_page(self.backends.decisions, query, cursor=cursor, limit=limit)

    async def decision_stats(self, *, since: datetime, team: str | None) -> DecisionStats:
        return await self.backends.decisions.stats(since=since, team=team)

    async def advisor_names(self) -> AdvisorNames:
        """Who each advisor id is, from the identity backend's directory (reviewers
        only; capped, see ``read_directory``). Kept once read."""
        if self.advisor_directory_cache is None:
            self.advisor_directory_cache = await read_directory(self.backends.identity)
        return AdvisorNames.of(self.advisor_directory_cache)

    async def customer_name(self, customer_id: str) -> str:
        """The customer's name from their profile (one call, then remembered)."""
        name = self.customer_names.get(customer_id)
        if name is None:
            name = (await self.backends.customers.profile(customer_id)).name
            self._remember_customer(customer_id, name)
        return name

    async def customer_names_of(self, customer_ids: list[str]) -> dict[str, str]:
        """Names of the customers ``customer_ids``, by id: those the session knows,
        the rest from the customers backend in one batched lookup per
        ``routes.CUSTOMER_NAMES_MAX`` ids (one for a page of the review list),
        remembered. An id the backend does not know is absent."""
        wanted = list(dict.fromkeys(customer_ids))
        found = {i: self.customer_names[i] for i in wanted if i in self.customer_names}
        unknown = [i for i in wanted if i not in found]
        for start in range(0, len(unknown), routes.CUSTOMER_NAMES_MAX):
            batch = unknown[start : start + routes.CUSTOMER_NAMES_MAX]
            answer = await self.backends.customers.names(batch)
            asked = set(batch)
            for item in answer.items:
                if item.id in asked:  # a backend's extra ids are not ours to name
                    found[item.id] = item.name
                    self._remember_customer(item.id, item.name)
        return found

    def _remember_customer(self, customer_id: str, name: str) -> None:
        if customer_id not in self.customer_names:
            while len(self.customer_names) >= CUSTOMER_NAMES_KEPT:
                del self.customer_names[next(iter(self.customer_names))]
        self.customer_names[customer_id] = name

    async def decision(self, decision_id: str) -> DecisionView:
        return await self.backends.decisions.get(decision_id)

    async def chain_head(self, advisor_id: str) -> ChainHead:
        return await self.backends.decisions.chain_head(advisor_id)

    async def review(self, decision_id: str, review: ReviewCreate) -> Review:
        return await self.backends.decisions.review(decision_id, review)

    async def export_decisions(self, query: DecisionQuery, path: Path) -> int:
        """Decisions matching ``query`` to a CSV at ``path``: mode 0600, complete or absent."""
        with open_export(path) as out:
            return await export_server(self.backends.decisions, query, "csv", out)

    # -- lifetime -----------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self.backends.aclose()
        if self.store is not None:
            self.store.close()


def _down(reason: str) -> CallHealth:
    return CallHealth(state=HealthState.DOWN, at=utcnow(), reason=reason)
