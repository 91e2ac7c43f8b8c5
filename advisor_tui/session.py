"""What the app runs against: the backends, the local decision store and its outbox.

No Textual here: the CLI builds a Session (demo or live), tests build one on
in-process mocks, and screens call its methods instead of touching SQLite or
HTTP themselves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from advisor_tui.clients import Backends
from advisor_tui.config import Settings
from advisor_tui.contract import Decision, DecisionKind
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.store.outbox import DecisionOutbox, OutboxStatus


@dataclass
class Session:
    backends: Backends
    mode: str = "LIVE"
    keymap: dict[str, str] = field(default_factory=dict)
    settings: Settings | None = None
    store: DecisionStore | None = None
    outbox: DecisionOutbox | None = None

    def __post_init__(self) -> None:
        if self.store is not None and self.outbox is None:
            self.outbox = DecisionOutbox(self.store, self.backends.decisions)

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

    def decided_actions(self, customer_id: str) -> dict[str, DecisionKind]:
        """What this advisor already decided for the customer, from the local log."""
        if self.store is None:
            return {}
        page = self.store.list(customer_id=customer_id, limit=200)
        decided: dict[str, DecisionKind] = {}
        for record in reversed(page.items):  # oldest first, so the latest wins
            decision = record.decision
            decided[decision.action_id] = decision.kind
        return decided

    async def aclose(self) -> None:
        await self.backends.aclose()
        if self.store is not None:
            self.store.close()
