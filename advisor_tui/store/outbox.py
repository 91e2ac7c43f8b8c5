"""Deliver the local decision log to the decisions backend, exactly once.

Exactly once comes from two halves: the store keeps every decision until the
server's receipt is written back (at least once), and the server treats the
decision id as an idempotency key (at most once). So the outbox may resend
freely: after a crash between the server storing a decision and the receipt
reaching disk, the resend answers with the first receipt, never a second record.

Delivery is oldest first and a pass stops at the first failure of the service
itself, so the server's per-advisor chain receives decisions in the order the
advisor took them and a down backend costs one failed call per pass, not one
per pending decision.

No Textual here: the TUI runs ``run()`` as a worker on its loop and shows
``on_status`` in its header; ``advisor-tui decisions sync`` calls
``deliver_pending()`` once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import Protocol

from advisor_tui.clients.errors import BackendError, BadRequest, Conflict, Forbidden
from advisor_tui.contract import (
    GENESIS_HASH,
    ChainHead,
    Decision,
    DecisionReceipt,
    chain_hash,
    routes,
)
from advisor_tui.retry import RetryPolicy
from advisor_tui.store.decisions import DecisionStore, StoredDecision

log = logging.getLogger(__name__)

# The server will never accept this exact request: a 409 means the id is
# already recorded with other content, a 400/422 that the body is refused.
# Retrying forever would hide the problem behind a "pending" count, so these
# leave the queue as ``rejected`` and are surfaced instead.
PERMANENT_ERRORS: tuple[type[BackendError], ...] = (Conflict, BadRequest)

# The service is up but will not take *this* record from *this* caller (a 403:
# say a decision another advisor took on a shared machine, pending until they
# sign in again). It stays pending, but the pass moves on to the next record
# so one advisor's decisions cannot hold back everyone else's.
SKIP_ERRORS: tuple[type[BackendError], ...] = (Forbidden,)

# Everything else (down, timed out, 5xx, bad token, a garbled answer that may
# hide a success) is about the service, not the record: the decision stays
# pending and the pass stops, to try again after a backoff.


class _Outcome(Enum):
    DELIVERED = auto()
    REJECTED = auto()
    SKIPPED = auto()
    FAILED = auto()


class DecisionRecorder(Protocol):
    """What the outbox needs of ``advisor_tui.clients.DecisionsClient``."""

    async def record(
        self, decision: Decision, *, after: ChainHead | None = None
    ) -> DecisionReceipt: ...


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    """When to try again.

    Backoff doubles from ``initial_backoff`` to ``max_backoff`` while delivery
    keeps failing, by the same ``RetryPolicy`` formula the HTTP clients use, with
    up to ``jitter`` seconds added so many advisors' machines do not retry in
    lockstep when the service comes back.
    """

    initial_backoff: float = 0.5
    max_backoff: float = 60.0
    jitter: float = 1.0
    # How many pending records one query fetches; a pass keeps fetching until
    # the queue is empty or a delivery fails.
    batch: int = 50
    # With nothing to do the loop still looks every so often, for records
    # another process (a shell's `decisions sync`, a second window) appended.
    idle_poll: float = 30.0

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait after ``failures`` failed passes in a row (1 for the first)."""
        policy = RetryPolicy(
            initial=self.initial_backoff, maximum=self.max_backoff, jitter=self.jitter
        )
        return policy.backoff(failures, rng)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    delivered: int
    # Attempts that failed but may succeed later: at most one that stopped the
    # pass (service down), plus any records the service would not take (403).
    failed: int
    # Refused for good in this pass (see PERMANENT_ERRORS).
    rejected: int
    # Still pending after the pass.
    remaining: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """What a header shows: how many wait, and whether delivery is failing."""

    pending: int
    rejected: int
    failing: bool
    last_error: str | None
    # Seconds until the next attempt while failing, else None.
    retry_in: float | None = None


StatusCallback = Callable[[OutboxStatus], None]


def describe_error(error: BaseException) -> str:
    """One line for ``last_error``: the client's own message, safe to show."""
    return str(error) or type(error).__name__


class DecisionOutbox:
    def __init__(
        self,
        store: DecisionStore,
        client: DecisionRecorder,
        policy: OutboxPolicy | None = None,
        *,
        on_status: StatusCallback | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.policy = policy or OutboxPolicy()
        self.on_status = on_status
        self._rng = rng or random.Random()
        self._pass_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._status = OutboxStatus(pending=0, rejected=0, failing=False, last_error=None)

    @property
    def status(self) -> OutboxStatus:
        return self._status

    # -- waking ------------------------------------------------------------

    def notify(self) -> None:
        """A decision was appended: deliver soon. Callable from any thread."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    # -- one pass ----------------------------------------------------------

    async def deliver_pending(self) -> DeliveryResult:
        """Deliver pending decisions oldest first until none remain or the
        service fails; a record the service refuses is set aside, not retried."""
        counts = dict.fromkeys(_Outcome, 0)
        last_error: str | None = None
        stopped = False
        after = 0
        # Two passes at once (the loop and a "sync now" key) would send the same
        # records twice; harmless to the server, but pointless.
        async with self._pass_lock:
            while not stopped:
                # Keyset on seq: a record skipped in this pass is not fetched again.
                batch = await asyncio.to_thread(self.store.pending, self.policy.batch, after)
                if not batch:
                    break
                for record in batch:
                    after = record.seq
                    outcome, error = await self._deliver_one(record)
                    counts[outcome] += 1
                    last_error = error or last_error
                    if outcome is _Outcome.FAILED:
                        stopped = True
                        break
            remaining = await asyncio.to_thread(self.store.pending_count)
        failed = counts[_Outcome.FAILED] + counts[_Outcome.SKIPPED]
        result = DeliveryResult(
            delivered=counts[_Outcome.DELIVERED],
            failed=failed,
            rejected=counts[_Outcome.REJECTED],
            remaining=remaining,
            last_error=last_error,
        )
        await self._publish(failing=bool(failed), last_error=last_error if failed else None)
        return result

    async def _deliver_one(self, record: StoredDecision) -> tuple[_Outcome, str | None]:
        """Send one record and write down what became of it."""
        decision = record.decision
        held = await asyncio.to_thread(self.store.acknowledged_head, decision.advisor_id)
        # Where the server must append it: after the last receipt this log holds
        # for the advisor; the server stores it only if that is still its head.
        count, head = held if held is not None else (0, GENESIS_HASH)
        after = ChainHead(advisor_id=decision.advisor_id, count=count, head_hash=head)
        try:
            try:
                receipt = await self.client.record(decision, after=after)
            except Conflict as exc:
                if held is not None or routes.CHAIN_BROKEN_DETAIL not in exc.message:
                    raise
                # Nothing of this advisor's was ever acknowledged to this log (a
                # new machine, say): there is nothing here to hold the server to,
                # so the record goes after whatever the server has.
                receipt = await self.client.record(decision, after=None)
        except PERMANENT_ERRORS as exc:
            error = describe_error(exc)
            log.error("decision %s refused by the server: %s", record.id, error)
            await asyncio.to_thread(self.store.mark_rejected, record.id, error)
            return _Outcome.REJECTED, error
        except BackendError as exc:
            error = describe_error(exc)
            log.info("decision %s not delivered yet: %s", record.id, error)
            await asyncio.to_thread(self.store.mark_failed, record.id, error)
            skip = isinstance(exc, SKIP_ERRORS)
            return (_Outcome.SKIPPED if skip else _Outcome.FAILED), error
        problem = _receipt_problem(decision, receipt)
        if problem is not None:
            # The server answered for some other record or hashed other content:
            # the receipt proves nothing about this decision, so it is not kept.
            log.error("decision %s: %s", record.id, problem)
            await asyncio.to_thread(self.store.mark_rejected, record.id, problem)
            return _Outcome.REJECTED, problem
        await asyncio.to_thread(self.store.mark_delivered, record.id, receipt)
        return _Outcome.DELIVERED, None

    # -- the loop ----------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set: at once, on ``notify()``, and with
        backoff while the backend is down. A pending record from an earlier
        run (a crash, a closed laptop) goes out on the first pass."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        failures = 0
        try:
            while not stop.is_set():
                # Cleared before the pass, so a notify() during it causes another.
                self._wake.clear()
                try:
                    result = await self.deliver_pending()
                    ok = not result.failed
                except Exception as exc:
                    # A bug or a full disk must not end delivery for the session;
                    # it is logged, shown in the header and tried again later.
                    log.exception("decision delivery pass failed")
                    ok = False
                    # No store call here: the store may be what is failing.
                    self._status = OutboxStatus(
                        pending=self._status.pending,
                        rejected=self._status.rejected,
                        failing=True,
                        last_error=describe_error(exc),
                    )
                if ok:
                    failures = 0
                    await self._sleep(stop, self.policy.idle_poll, earliest=0.0)
                else:
                    failures += 1
                    delay = self.policy.backoff(failures, self._rng)
                    self._status = _replace_retry(self._status, delay)
                    self._emit()
                    # A new decision may cut a long backoff short, but not below
                    # the first step: a burst of decisions while the service is
                    # down must not turn into a burst of doomed requests.
                    await self._sleep(stop, delay, earliest=min(delay, self.policy.initial_backoff))
        finally:
            self._loop = None
            self._loop_thread = None

    async def _sleep(self, stop: asyncio.Event, delay: float, *, earliest: float) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline, first_wake = start + delay, start + earliest
        while not stop.is_set():
            now = loop.time()
            if now >= deadline or (self._wake.is_set() and now >= first_wake):
                return
            wait_until = first_wake if self._wake.is_set() else deadline
            waiters = [asyncio.ensure_future(stop.wait())]
            if not self._wake.is_set():
                waiters.append(asyncio.ensure_future(self._wake.wait()))
            try:
                await asyncio.wait(
                    waiters, timeout=max(0.0, wait_until - now), return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for waiter in waiters:
                    waiter.cancel()

    # -- status ------------------------------------------------------------

    async def _publish(self, *, failing: bool, last_error: str | None) -> None:
        pending, rejected = await asyncio.to_thread(self.store.queue_counts)
        self._status = OutboxStatus(
            pending=pending,
            rejected=rejected,
            failing=failing,
            last_error=last_error,
        )
        self._emit()

    def _emit(self) -> None:
        if self.on_status is None:
            return
        try:
            self.on_status(self._status)
        except Exception:
            # A broken header must not stop decisions being delivered.
            log.exception("outbox status callback failed")


def _replace_retry(status: OutboxStatus, retry_in: float) -> OutboxStatus:
    return OutboxStatus(
        pending=status.pending,
        rejected=status.rejected,
        failing=status.failing,
        last_error=status.last_error,
        retry_in=retry_in,
    )


def _receipt_problem(decision: Decision, receipt: DecisionReceipt) -> str | None:
    if receipt.id != decision.id:
        return f"server answered with a receipt for {receipt.id}"
    if chain_hash(receipt.prev_hash, decision) != receipt.hash:
        return "server's hash does not cover this decision's content"
    return None
