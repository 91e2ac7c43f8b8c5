"""In-memory state shared by the mock backends' routers.

Each router (identity, customers, faults, actions, decisions) takes a
``MockState`` and reads the scenario data from it; fault injection reads
``state.faults``. Nothing here knows about HTTP.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from advisor_tui.contract import (
    Advisor,
    AreaIncident,
    Backend,
    Channel,
    CustomerProfile,
    FaultSpec,
    FaultStatus,
    FollowUp,
    HistoryEvent,
    HistoryPage,
    Note,
    utcnow,
)
from advisor_tui.mock.tokens import DemoTokenIssuer


class HistorySource(Protocol):
    """A customer's history, newest first, paged by an opaque cursor.

    Implementations must not materialise the whole history per call: the
    generated customer has 100,000+ events.
    """

    def page(
        self, cursor: str | None, limit: int, channel: Channel | None, query: str | None
    ) -> HistoryPage: ...

    def get(self, event_id: str) -> HistoryEvent | None: ...

    def latest(self, n: int) -> list[HistoryEvent]: ...


@dataclass
class CustomerRecord:
    profile: CustomerProfile
    history: HistorySource
    fault_status: FaultStatus | None = None
    notes: list[Note] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    # Process step ids this customer's case has marked with an outcome such as
    # "unrecoverable" (seed 001), keyed by step id.
    process_outcomes: dict[str, str] = field(default_factory=dict)


@dataclass
class MockState:
    advisors: dict[str, Advisor]  # bearer token -> advisor
    customers: dict[str, CustomerRecord]
    incidents: dict[str, AreaIncident] = field(default_factory=dict)
    faults: dict[Backend, FaultSpec] = field(
        default_factory=lambda: {b: FaultSpec() for b in Backend}
    )
    clock: Callable[[], datetime] = utcnow
    """The story's "now": customer data, faults and next actions are as of this."""
    wall_clock: Callable[[], datetime] = utcnow
    """The real time: the decisions log records when things really happened."""
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    # False: the TMF profile answers like a standard-only vendor, without our
    # extensions (advisor_tui.tmf.extensions), to show how the app degrades.
    tmf_extensions: bool = True

    # Signs the demo's real JWTs; the mock backends accept those as well as
    # the static stand-in tokens above.
    tokens: DemoTokenIssuer = field(default_factory=DemoTokenIssuer)

    def advisor_for_token(self, token: str | None) -> Advisor | None:
        if not token:
            return None
        return self.advisors.get(token) or self.tokens.verify(token)

    def advisor_for_static_token(self, token: str) -> Advisor | None:
        """Only the static stand-in tokens (insecure; what --insecure-demo-tokens allows)."""
        return self.advisors.get(token)
