"""The outbox against the real mock decisions backend, in process (httpx.ASGITransport):
delivery, a down/hung/garbling backend, recovery, replay without doubles, refusal."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from decision_samples import make_decision

from advisor_tui.clients import BackendError, DecisionsClient, RetryPolicy
from advisor_tui.contract import Backend, ChainHead, Decision, DecisionKind, FaultSpec
from advisor_tui.demo import create_demo_app
from advisor_tui.formatting import DisplayTime
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState
from advisor_tui.store.cli import EXIT_OK, EXIT_PROBLEM, cmd_list, cmd_status, cmd_sync
from advisor_tui.store.decisions import DecisionStore, DeliveryStatus
from advisor_tui.store.outbox import DecisionOutbox, OutboxPolicy, OutboxStatus
from advisor_tui.store.verify import verify

TOKEN = "demo-advisor"
ADVISOR = "adv-sam-carter"
BASE_URL = "http://mock.invalid/decisions"
FAST = OutboxPolicy(initial_backoff=0.02, max_backoff=0.1, idle_poll=5.0)


@pytest.fixture
def state() -> MockState:
    return load_state(seed=1)


@pytest.fixture
def transport(state: MockState, tmp_path: Path) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_demo_app(state, decisions_db=tmp_path / "server.sqlite3"))


def new_client(transport: httpx.AsyncBaseTransport, timeout: float = 30.0) -> DecisionsClient:
    # Generous by default: on a busy 2-core CI machine a healthy in-process answer
    # can take seconds. Only the hanging-backend test asks for a short one.
    return DecisionsClient(
        BASE_URL,
        token=TOKEN,
        transport=transport,
        # One attempt per call: retrying is the outbox's job here.
        retry=RetryPolicy(attempts=1, initial=0.01, maximum=0.01, jitter=0.0, total=timeout),
        timeout=httpx.Timeout(timeout),
    )


@pytest.fixture
async def client(transport: httpx.ASGITransport) -> AsyncIterator[DecisionsClient]:
    async with new_client(transport) as c:
        yield c


def decisions(n: int, start: int = 0) -> list[Decision]:
    return [make_decision(i, advisor_id=ADVISOR) for i in range(start, start + n)]


def fault(state: MockState, **spec: object) -> None:
    state.faults[Backend.DECISIONS] = FaultSpec.model_validate(spec)


async def server_count(client: DecisionsClient) -> int:
    return (await client.chain_head(ADVISOR)).count


async def test_delivers_oldest_first_and_keeps_the_receipts(
    store: DecisionStore, client: DecisionsClient
) -> None:
    for d in decisions(5):
        store.append(d)
    result = await DecisionOutbox(store, client).deliver_pending()
    assert (result.delivered, result.failed, result.remaining, result.last_error) == (
        5,
        0,
        0,
        None,
    )
    records = list(store.iter_all())
    assert [r.server_sequence for r in records] == [1, 2, 3, 4, 5]
    assert all(r.status is DeliveryStatus.DELIVERED for r in records)
    # One advisor, one fresh server: the server's chain and ours are the same chain.
    assert [r.server_hash for r in records] == [r.hash for r in records]
    head = await client.chain_head(ADVISOR)
    assert (head.count, head.head_hash) == (5, records[-1].hash)
    assert verify(store).ok


async def test_backend_down_then_up(
    store: DecisionStore, client: DecisionsClient, state: MockState
) -> None:
    for d in decisions(3):
        store.append(d)
    outbox = DecisionOutbox(store, client)
    fault(state, error_rate=1.0)
    result = await outbox.deliver_pending()
    assert (result.delivered, result.failed, result.remaining) == (0, 1, 3)
    assert result.last_error is not None and result.last_error.startswith("decisions:")
    status = store.status()
    assert (status.pending, status.last_error) == (3, result.last_error)
    # The pass stopped at the first failure instead of hammering a dead service.
    assert [r.attempts for r in store.pending(10)] == [1, 0, 0]
    assert outbox.status.failing

    fault(state)
    result = await outbox.deliver_pending()
    assert (result.delivered, result.remaining, result.last_error) == (3, 0, None)
    assert store.status().last_error is None
    assert not outbox.status.failing
    assert await server_count(client) == 3


async def test_hung_backend_times_out_and_the_decision_waits(
    store: DecisionStore, transport: httpx.ASGITransport, state: MockState
) -> None:
    store.append(decisions(1)[0])
    fault(state, hang=True)
    async with new_client(transport, timeout=0.3) as client:
        result = await DecisionOutbox(store, client).deliver_pending()
    assert (result.delivered, result.failed, result.remaining) == (0, 1, 1)
    assert "decisions" in (result.last_error or "")


async def test_replay_after_a_crash_is_not_recorded_twice(
    store: DecisionStore, client: DecisionsClient
) -> None:
    """The server stored it, then the app died before writing the receipt down."""
    first, second = decisions(2)
    store.append(first)
    store.append(second)
    lost_receipt = await client.record(first)
    assert await server_count(client) == 1

    result = await DecisionOutbox(store, client).deliver_pending()
    assert (result.delivered, result.remaining) == (2, 0)
    assert await server_count(client) == 2
    stored = store.get(first.id)
    assert stored is not None
    assert (stored.server_sequence, stored.server_hash) == (
        lost_receipt.sequence,
        lost_receipt.hash,
    )


async def test_garbled_answer_may_hide_a_success_so_it_is_retried(
    store: DecisionStore, client: DecisionsClient, state: MockState
) -> None:
    """A 200 cut short: the server did record it. Resending is safe and settles it."""
    store.append(decisions(1)[0])
    fault(state, malformed_json=True)
    outbox = DecisionOutbox(store, client)
    result = await outbox.deliver_pending()
    assert (result.delivered, result.failed, result.remaining) == (0, 1, 1)
    fault(state)
    assert await server_count(client) == 1
    result = await outbox.deliver_pending()
    assert (result.delivered, result.remaining) == (1, 0)
    assert await server_count(client) == 1


async def test_conflict_is_refused_for_good_and_the_queue_moves_on(
    store: DecisionStore, client: DecisionsClient
) -> None:
    first, second = decisions(2)
    # Someone recorded other content under the first id.
    await client.record(first.model_copy(update={"free_text": "something else"}))
    store.append(first)
    store.append(second)
    outbox = DecisionOutbox(store, client)
    result = await outbox.deliver_pending()
    assert (result.delivered, result.rejected, result.failed, result.remaining) == (1, 1, 0, 0)
    refused = store.get(first.id)
    assert refused is not None
    assert refused.status is DeliveryStatus.REJECTED
    assert "conflict" in (refused.last_error or "").lower() or "409" in (refused.last_error or "")
    assert outbox.status.rejected == 1
    # Not retried forever: the next pass has nothing to send.
    again = await outbox.deliver_pending()
    assert (again.delivered, again.rejected, again.remaining) == (0, 0, 0)


async def test_a_decision_the_caller_may_not_send_does_not_block_the_rest(
    store: DecisionStore, client: DecisionsClient
) -> None:
    """Another advisor's pending decision on a shared machine: the server says 403
    to this token. It waits for its owner; the decisions behind it go out."""
    theirs = make_decision(0, advisor_id="adv-kevin-doyle")
    store.append(theirs)
    ours = decisions(2, start=1)
    for d in ours:
        store.append(d)
    outbox = DecisionOutbox(store, client)
    result = await outbox.deliver_pending()
    assert (result.delivered, result.failed, result.remaining) == (2, 1, 1)
    assert [r.id for r in store.pending(10)] == [theirs.id]
    assert outbox.status.failing and outbox.status.pending == 1
    assert await server_count(client) == 2


async def test_wrong_token_keeps_decisions_pending(
    store: DecisionStore, transport: httpx.ASGITransport
) -> None:
    store.append(decisions(1)[0])
    async with DecisionsClient(BASE_URL, token="not-a-token", transport=transport) as bad:
        result = await DecisionOutbox(store, bad).deliver_pending()
    assert (result.failed, result.remaining) == (1, 1)


async def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_run_backs_off_while_down_and_recovers(
    store: DecisionStore, client: DecisionsClient, state: MockState
) -> None:
    seen: list[OutboxStatus] = []
    outbox = DecisionOutbox(store, client, FAST, on_status=seen.append)
    fault(state, error_rate=1.0)
    for d in decisions(4):
        store.append(d)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    started = loop.time()
    task = asyncio.create_task(outbox.run(stop))
    try:
        await wait_for(lambda: any(s.failing for s in seen))
        failing = next(s for s in seen if s.failing)
        assert failing.pending == 4 and failing.last_error
        # Kept trying (waited for, not slept for: a busy machine is slow)...
        await wait_for(lambda: store.pending(10)[0].attempts >= 2)
        await asyncio.sleep(0.2)
        attempts = store.pending(10)[0].attempts
        # ...but backed off: at least initial_backoff between tries, so never
        # more tries than that allows in the time gone by.
        assert attempts <= 1 + (loop.time() - started) / FAST.initial_backoff, attempts
        fault(state)
        await wait_for(lambda: bool(seen) and seen[-1].pending == 0 and not seen[-1].failing)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert await server_count(client) == 4


async def test_notify_wakes_the_loop_at_once(store: DecisionStore, client: DecisionsClient) -> None:
    outbox = DecisionOutbox(store, client, OutboxPolicy(idle_poll=60.0))
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(stop))
    try:
        await asyncio.sleep(0.05)  # first pass done, now idle for a minute
        record = await asyncio.to_thread(store.append, decisions(1)[0])
        outbox.notify()
        await wait_for(lambda: store.status().pending == 0, timeout=30.0)
        delivered = store.get(record.id)
        assert delivered is not None and delivered.server_sequence == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_a_bug_in_a_pass_does_not_end_delivery(
    store: DecisionStore, client: DecisionsClient
) -> None:
    class Flaky:
        calls = 0

        async def record(self, decision: Decision, *, after: ChainHead | None = None) -> object:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise RuntimeError("boom")
            return await client.record(decision, after=after)

    store.append(decisions(1)[0])
    outbox = DecisionOutbox(store, Flaky(), FAST)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(stop))
    try:
        await wait_for(lambda: store.status().pending == 0)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert Flaky.calls == 2


def test_cli_sync_status_and_list(store_path: Path, state: MockState, tmp_path: Path) -> None:
    app = create_demo_app(state, decisions_db=tmp_path / "server.sqlite3")

    def factory() -> DecisionsClient:
        return new_client(httpx.ASGITransport(app=app))

    with DecisionStore(store_path) as store:
        for n, d in enumerate(decisions(3)):
            if n == 1:
                d = d.model_copy(update={"customer_id": "cus-9", "kind": DecisionKind.DECLINE})
            store.append(d)

    fault(state, error_rate=1.0)
    out, err = io.StringIO(), io.StringIO()
    assert cmd_sync(store_path, factory, out, err=err) == EXIT_PROBLEM
    assert "still pending 3" in out.getvalue()
    assert "decisions:" in err.getvalue()

    out = io.StringIO()
    assert cmd_status(store_path, out) == EXIT_OK
    text = out.getvalue()
    assert "pending:      3" in text and "last error:   decisions:" in text

    fault(state)
    out = io.StringIO()
    assert cmd_sync(store_path, factory, out) == EXIT_OK
    assert "delivered 3, still pending 0" in out.getvalue()
    out = io.StringIO()
    cmd_status(store_path, out)
    assert "last error:   none" in out.getvalue()

    out = io.StringIO()
    assert cmd_list(store_path, "cus-9", None, "delivered", out) == EXIT_OK
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["SEQ", "DECIDED", "CUSTOMER"]
    assert len(lines) == 3 and "decline" in lines[1] and lines[-1] == "1 decision(s)"
    # The decided time is in the display zone and says which (UK by default).
    assert lines[1].split()[3] in {"GMT", "BST"}
    out = io.StringIO()
    cmd_list(store_path, "cus-9", None, "delivered", out, times=DisplayTime.named("UTC"))
    assert out.getvalue().splitlines()[1].split()[3] == "UTC"
    out = io.StringIO()
    assert cmd_list(store_path, None, "override", None, out) == EXIT_OK
    assert out.getvalue().splitlines()[-1] == "0 decision(s)"


def test_cli_on_a_fresh_machine(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "decisions.sqlite3"
    out = io.StringIO()
    assert cmd_list(missing, None, None, None, out) == EXIT_OK
    assert cmd_status(missing, out) == EXIT_OK

    def no_client() -> DecisionsClient:
        raise AssertionError("nothing to deliver, no client needed")

    assert cmd_sync(missing, no_client, out) == EXIT_OK
    assert not missing.exists()
    assert "pending:      0" in out.getvalue()


def test_backend_errors_are_typed() -> None:
    # The outbox's classification rests on the clients' error hierarchy.
    from advisor_tui.clients import BadRequest, Conflict

    assert issubclass(Conflict, BackendError) and issubclass(BadRequest, BackendError)
