"""Every client against the real mock backends, in-process through httpx.ASGITransport:
the seed data comes back as contract models, and every injected fault maps to its
typed error, with retries only where they are allowed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr
from ulid import ULID

from advisor_tui.clients import (
    Backends,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    Conflict,
    ContractViolation,
    Forbidden,
    HealthState,
    NotFound,
    Unauthorised,
)
from advisor_tui.clients.identity import read_directory
from advisor_tui.config import RetrySettings, Settings, TimeoutSettings
from advisor_tui.contract import (
    Advisor,
    Backend,
    Decision,
    DecisionFilters,
    DecisionKind,
    FaultSpec,
    FollowUpCreate,
    NoteCreate,
    ReviewCreate,
    Role,
    Verdict,
    routes,
    utcnow,
)
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState

FAST_RETRY = RetrySettings(attempts=3, initial=0.01, max=0.02, jitter=0.0, total=5)
# The in-process hang must end on the client's own deadline (connect + read).
SHORT_TIMEOUTS = TimeoutSettings(connect=0.1, read=0.2, write=0.2, pool=0.1)


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps the ASGI transport to count what actually went over it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    def count(self, backend: Backend) -> int:
        prefix = routes.PREFIXES[backend] + "/"
        return sum(1 for r in self.requests if r.url.path.startswith(prefix))


def token_for(state: MockState, role: Role | None = None) -> tuple[str, Advisor]:
    for token, advisor in state.advisors.items():
        if role is None or advisor.role is role:
            return token, advisor
    raise AssertionError(f"the seed scenarios have no {role} advisor")


@pytest.fixture(scope="module")
def seed_state() -> MockState:
    # Loading the seed (with its generated 100k-event history) once per module.
    return load_state(seed=1)


@pytest.fixture
def state(seed_state: MockState) -> MockState:
    # Each test gets faults switched off, whatever the previous test injected.
    seed_state.faults = {b: FaultSpec() for b in Backend}
    return seed_state


@pytest.fixture
def transport(state: MockState, tmp_path_factory: pytest.TempPathFactory) -> CountingTransport:
    app = create_demo_app(state, decisions_db=tmp_path_factory.mktemp("db") / "decisions.sqlite")
    return CountingTransport(httpx.ASGITransport(app=app))


def settings_for(
    token: str | None,
    *,
    retry: RetrySettings = FAST_RETRY,
    timeouts: TimeoutSettings | None = None,
    slow_ms: int = 1000,
) -> Settings:
    return Settings(
        token=SecretStr(token) if token else None,
        retry=retry,
        timeouts=timeouts or TimeoutSettings(),
        slow_ms=slow_ms,
    )


@pytest.fixture
async def backends(state: MockState, transport: CountingTransport) -> AsyncIterator[Backends]:
    token, _ = token_for(state, Role.ADVISOR)
    async with Backends.from_settings(settings_for(token), transport) as bundle:
        yield bundle


@pytest.fixture
def customer_id(state: MockState) -> str:
    with_faults = [cid for cid, rec in state.customers.items() if rec.fault_status is not None]
    assert with_faults, "the seed has customers with fault status"
    return with_faults[0]


# -- the data comes back as contract models --------------------------------------------------


async def test_every_backend_reports_health(backends: Backends) -> None:
    for client in backends:
        health = await client.health()
        assert health.backend is client.backend
        assert health.ok
    assert {h.state for h in backends.health().values()} <= {HealthState.OK, HealthState.SLOW}


async def test_me_is_the_advisor_of_the_token(backends: Backends, state: MockState) -> None:
    _, advisor = token_for(state, Role.ADVISOR)
    assert await backends.identity.me() == advisor


async def test_a_missing_or_unknown_token_is_unauthorised(
    state: MockState, transport: CountingTransport
) -> None:
    for token in (None, "not-a-real-token"):
        async with Backends.from_settings(settings_for(token), transport) as bundle:
            with pytest.raises(Unauthorised) as caught:
                await bundle.identity.me()
            assert caught.value.status == 401
            if token:
                assert token not in str(caught.value)
    assert transport.count(Backend.IDENTITY) == 2, "401 is not retried"


async def test_customer_search_profile_and_notes(backends: Backends, state: MockState) -> None:
    record = next(iter(state.customers.values()))
    profile = record.profile
    result = await backends.customers.search(profile.account_number)
    assert profile.id in [m.id for m in result.matches]
    assert (await backends.customers.profile(profile.id)).id == profile.id
    notes = await backends.customers.notes(profile.id)
    assert [n.id for n in notes] == [n.id for n in record.notes]
    with pytest.raises(NotFound):
        await backends.customers.profile("no-such-customer")


async def test_every_seed_customer_validates_on_every_panel(
    backends: Backends, state: MockState
) -> None:
    # Each panel's call for each seed customer passes the client's contract check:
    # what the mock serves is what the contract says, field for field.
    for customer_id, record in state.customers.items():
        assert (await backends.customers.profile(customer_id)).id == record.profile.id
        await backends.customers.history(customer_id, limit=5)
        await backends.customers.follow_ups(customer_id)
        await backends.actions.next_actions(customer_id)
        if record.fault_status is not None:
            await backends.faults.status(customer_id)


async def test_history_pages_newest_first_without_overlap(
    backends: Backends, state: MockState
) -> None:
    customer = max(state.customers, key=lambda cid: len(state.customers[cid].history.latest(60)))
    first = await backends.customers.history(customer, limit=20)
    assert first.events
    assert [e.at for e in first.events] == sorted((e.at for e in first.events), reverse=True)
    if first.next_cursor is not None:
        second = await backends.customers.history(customer, cursor=first.next_cursor, limit=20)
        assert not {e.id for e in first.events} & {e.id for e in second.events}
        assert all(e.at <= first.events[-1].at for e in second.events)
    channel = first.events[0].channel
    filtered = await backends.customers.history(customer, channel=channel, limit=10)
    assert filtered.events and all(e.channel is channel for e in filtered.events)
    event = await backends.customers.history_event(customer, first.events[0].id)
    assert event == first.events[0]


async def test_follow_up_and_note_creation_is_idempotent(
    backends: Backends, state: MockState
) -> None:
    _, advisor = token_for(state, Role.ADVISOR)
    customer = next(iter(state.customers))
    follow_up = FollowUpCreate(
        id=str(ULID()),
        owner=advisor.display_name,
        due_at=utcnow() + timedelta(days=1),
        channel="sms",
        note="check the line held",
        created_by=advisor.id,
    )
    created = await backends.customers.create_follow_up(customer, follow_up)
    again = await backends.customers.create_follow_up(customer, follow_up)
    assert created == again
    listed = await backends.customers.follow_ups(customer)
    assert [f.id for f in listed].count(follow_up.id) == 1

    note = NoteCreate(id=str(ULID()), author=advisor.id, text="Customer works from home.")
    added = await backends.customers.add_note(customer, note)
    assert added.text == note.text
    await backends.customers.add_note(customer, note)
    assert [n.id for n in await backends.customers.notes(customer)].count(note.id) == 1


async def test_fault_status_and_incidents(backends: Backends, customer_id: str) -> None:
    status = await backends.faults.status(customer_id)
    assert status.customer_id == customer_id
    incidents = await backends.faults.incidents()
    if incidents:
        area = incidents[0].area
        assert all(i.area == area for i in await backends.faults.incidents(area=area))


async def test_next_actions_and_reason_codes(backends: Backends, customer_id: str) -> None:
    actions = await backends.actions.next_actions(customer_id)
    assert actions.customer_id == customer_id
    assert [a.rank for a in actions.actions] == sorted(a.rank for a in actions.actions)
    assert await backends.actions.reason_codes()


async def make_decision(backends: Backends, customer_id: str, advisor: Advisor) -> Decision:
    actions = await backends.actions.next_actions(customer_id)
    assert actions.actions, "the customer has next actions"
    action = actions.actions[0]
    return Decision(
        id=str(ULID()),
        customer_id=customer_id,
        action_id=action.id,
        action_kind=action.kind,
        action_label=action.label,
        process_step=action.process_step,
        proposed_parameters={p.name: p.value for p in action.parameters},
        kind=DecisionKind.ACCEPT,
        advisor_id=advisor.id,
        decided_at=utcnow(),
    )


async def test_decisions_record_idempotently_list_get_and_chain(
    backends: Backends, state: MockState, customer_id: str
) -> None:
    _, advisor = token_for(state, Role.ADVISOR)
    decision = await make_decision(backends, customer_id, advisor)
    receipt = await backends.decisions.record(decision)
    assert receipt.id == decision.id
    assert await backends.decisions.record(decision) == receipt, "same key, same body"

    changed = decision.model_copy(update={"free_text": "something else"})
    with pytest.raises((Conflict, BadRequest)):
        await backends.decisions.record(changed)

    view = await backends.decisions.get(decision.id)
    assert view.decision == decision
    assert view.receipt == receipt
    page = await backends.decisions.list(DecisionFilters(advisor_id=advisor.id), limit=5)
    assert decision.id in [v.decision.id for v in page.items] or page.total > 5
    head = await backends.decisions.chain_head(advisor.id)
    assert head.count >= receipt.sequence
    with pytest.raises(Forbidden):
        await backends.decisions.stats()  # figures are for team leads and supervisors
    with pytest.raises(NotFound):
        await backends.decisions.get(str(ULID()))


async def test_a_supervisor_reviews_a_decision(
    backends: Backends, state: MockState, transport: CountingTransport, customer_id: str
) -> None:
    _, advisor = token_for(state, Role.ADVISOR)
    supervisor_token, supervisor = token_for(state, Role.SUPERVISOR)
    decision = await make_decision(backends, customer_id, advisor)
    await backends.decisions.record(decision)
    async with Backends.from_settings(settings_for(supervisor_token), transport) as as_supervisor:
        review = ReviewCreate(id=str(ULID()), verdict=Verdict.ENDORSE, note="Good call.")
        done = await as_supervisor.decisions.review(decision.id, review)
        assert done.decision_id == decision.id
        assert done.reviewer_id == supervisor.id
        view = await as_supervisor.decisions.get(decision.id)
        assert review.id in [r.id for r in view.reviews]
        assert await as_supervisor.decisions.review(decision.id, review) == done, "idempotent"
        stats = await as_supervisor.decisions.stats(since=decision.decided_at - timedelta(1))
        assert any(b.key == advisor.id for b in stats.by_advisor)
        page = await as_supervisor.decisions.list(
            DecisionFilters(kind=DecisionKind.ACCEPT, since=decision.decided_at), limit=500
        )
        assert decision.id in [v.decision.id for v in page.items]


# -- injected faults map to typed errors -----------------------------------------------------


def call_for(backend: Backend, customer_id: str) -> Callable[[Backends], Awaitable[object]]:
    """A real data call on each backend, not just its health route."""
    calls: dict[Backend, Callable[[Backends], Awaitable[object]]] = {
        Backend.IDENTITY: lambda b: b.identity.me(),
        Backend.CUSTOMERS: lambda b: b.customers.history(customer_id, limit=5),
        Backend.FAULTS: lambda b: b.faults.status(customer_id),
        Backend.ACTIONS: lambda b: b.actions.next_actions(customer_id),
        Backend.DECISIONS: lambda b: b.decisions.list(limit=5),
    }
    return calls[backend]


@pytest.mark.parametrize("backend", list(Backend))
async def test_error_rate_one_is_unavailable_after_retries(
    backends: Backends,
    state: MockState,
    transport: CountingTransport,
    customer_id: str,
    backend: Backend,
) -> None:
    state.faults[backend] = FaultSpec(error_rate=1.0)
    with pytest.raises(BackendUnavailable) as caught:
        await call_for(backend, customer_id)(backends)
    assert caught.value.backend is backend
    assert caught.value.status in (500, 503)
    assert transport.count(backend) == FAST_RETRY.attempts
    assert backends.client(backend).last_call.state is HealthState.DOWN
    # The other backends are untouched by this one's fault.
    other = next(b for b in Backend if b is not backend)
    await call_for(other, customer_id)(backends)


@pytest.mark.parametrize("backend", list(Backend))
async def test_hang_times_out(
    state: MockState, transport: CountingTransport, customer_id: str, backend: Backend
) -> None:
    token, _ = token_for(state, Role.ADVISOR)
    state.faults[backend] = FaultSpec(hang=True)
    settings = settings_for(
        token, timeouts=SHORT_TIMEOUTS, retry=FAST_RETRY.model_copy(update={"attempts": 2})
    )
    async with Backends.from_settings(settings, transport) as bundle:
        with pytest.raises(BackendTimeout) as caught:
            await call_for(backend, customer_id)(bundle)
        assert caught.value.backend is backend
        assert transport.count(backend) == 2, "a GET that timed out is retried"
        assert bundle.client(backend).last_call.reason == "timed out"


@pytest.mark.parametrize("backend", list(Backend))
@pytest.mark.parametrize("fault", ["malformed_json", "wrong_schema"])
async def test_bad_bodies_are_contract_violations(
    backends: Backends,
    state: MockState,
    transport: CountingTransport,
    customer_id: str,
    backend: Backend,
    fault: str,
) -> None:
    state.faults[backend] = FaultSpec(**{fault: True})
    with pytest.raises(ContractViolation) as caught:
        await call_for(backend, customer_id)(backends)
    assert caught.value.backend is backend
    assert caught.value.reason == "bad data"
    if fault == "malformed_json":
        assert "not valid JSON" in str(caught.value)
    else:
        assert caught.value.field is not None or "response body" in str(caught.value)
    assert transport.count(backend) == 1, "bad data is not retried"


async def test_a_decision_is_retried_through_errors_and_recorded_once(
    backends: Backends, state: MockState, transport: CountingTransport, customer_id: str
) -> None:
    _, advisor = token_for(state, Role.ADVISOR)
    decision = await make_decision(backends, customer_id, advisor)
    before = await backends.decisions.chain_head(advisor.id)
    state.faults[Backend.DECISIONS] = FaultSpec(error_rate=1.0)
    with pytest.raises(BackendUnavailable):
        await backends.decisions.record(decision, after=before)
    posts = [r for r in transport.requests if r.method == "POST"]
    # 503s are retried (the key makes it safe); an injected 500 ends it at once.
    assert 1 <= len(posts) <= FAST_RETRY.attempts
    assert {r.headers[routes.IDEMPOTENCY_HEADER] for r in posts} == {decision.id}
    state.faults[Backend.DECISIONS] = FaultSpec()
    receipt = await backends.decisions.record(decision)
    assert await backends.decisions.record(decision) == receipt
    head = await backends.decisions.chain_head(advisor.id)
    assert head.count == receipt.sequence


async def test_faults_set_through_the_admin_endpoint_apply_at_once(
    state: MockState, transport: CountingTransport, customer_id: str
) -> None:
    token, _ = token_for(state, Role.ADVISOR)
    admin = httpx.AsyncClient(transport=transport.inner, base_url="http://mock.invalid")
    url = routes.ADMIN_PREFIX + routes.ADMIN_FAULTS.format(backend="faults")
    # "Slow" from 1 s, the fault's latency just above it: a healthy answer on a
    # busy CI machine can take well over the 30 ms this used to allow.
    slow_ms = 1000
    settings = settings_for(token, slow_ms=slow_ms)
    async with admin, Backends.from_settings(settings, transport) as bundle:
        put = await admin.put(url, json=FaultSpec(wrong_schema=True).model_dump())
        assert put.status_code == 200
        with pytest.raises(ContractViolation):
            await bundle.faults.status(customer_id)
        await admin.put(url, json=FaultSpec(latency_ms=slow_ms + 100).model_dump())
        await bundle.faults.incidents()
        slow = bundle.faults.last_call
        assert slow.state is HealthState.SLOW
        assert slow.latency_ms is not None and slow.latency_ms >= slow_ms + 100
        await admin.put(url, json=FaultSpec().model_dump())
        await bundle.faults.incidents()
        assert bundle.health()[Backend.FAULTS].state is HealthState.OK


async def test_a_reviewer_reads_the_advisor_directory_page_by_page(
    state: MockState, transport: CountingTransport
) -> None:
    token, _ = token_for(state, Role.SUPERVISOR)
    everyone = sorted({a.id for a in state.advisors.values()})
    async with Backends.from_settings(settings_for(token), transport) as bundle:
        first = await bundle.identity.advisors(limit=2)
        assert [e.id for e in first.items] == everyone[:2] and first.next_after == everyone[1]
        rest = await bundle.identity.advisors(after=first.next_after)
        assert [e.id for e in rest.items] == everyone[2:] and rest.next_after is None
        assert [e.id for e in await read_directory(bundle.identity)] == everyone
        assert [e.id for e in await read_directory(bundle.identity, 3)] == everyone[:3]
        with pytest.raises(ValueError, match="limit must be 1..500"):
            await bundle.identity.advisors(limit=0)


async def test_an_advisor_may_not_read_the_directory(backends: Backends) -> None:
    with pytest.raises(Forbidden):
        await read_directory(backends.identity)
