"""The shared HTTP layer, driven through httpx.MockTransport: retries only where safe,
error mapping, contract violations that name the field, timeouts, and the token kept secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr
from ulid import ULID

from advisor_tui.clients import (
    BackendHttp,
    Backends,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    CallHealth,
    Conflict,
    ContractViolation,
    CustomersClient,
    DecisionsClient,
    FaultsClient,
    Forbidden,
    HealthState,
    IdentityClient,
    NotFound,
    RetryPolicy,
    Unauthorised,
)
from advisor_tui.clients.errors import BackendError
from advisor_tui.config import Settings
from advisor_tui.contract import (
    GENESIS_HASH,
    ActionKind,
    Backend,
    ChainHead,
    Channel,
    Decision,
    DecisionFilters,
    DecisionKind,
    EtaChange,
    Fault,
    FaultState,
    FaultStatus,
    Health,
    NoteCreate,
    ProcessStepRef,
    routes,
)

TOKEN = "tok-SECRET-4f9a2c"
NOW = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
C = TypeVar("C", bound=BackendHttp)


class Recorder:
    """Counts requests and records backoff sleeps without actually sleeping."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def make(
    client_cls: type[C],
    handler: Handler,
    rec: Recorder,
    *,
    retry: RetryPolicy | None = None,
    timeout: httpx.Timeout | None = None,
    **kwargs: Any,
) -> C:
    async def recording(request: httpx.Request) -> httpx.Response:
        rec.requests.append(request)
        return await handler(request)

    return client_cls(
        f"http://{client_cls.backend.value}.test/base",
        token=TOKEN,
        transport=httpx.MockTransport(recording),
        retry=retry or RetryPolicy(attempts=3, initial=0.01, maximum=0.05, jitter=0.0),
        timeout=timeout,
        sleep=rec.sleep,
        rng=random.Random(1),
        **kwargs,
    )


def health_json(backend: Backend) -> dict[str, Any]:
    return Health(backend=backend, ok=True, at=NOW).model_dump(mode="json")


def sequence(*responses: httpx.Response | Exception) -> Handler:
    """Answer each request with the next response (the last one repeats)."""
    items = list(responses)

    async def handler(request: httpx.Request) -> httpx.Response:
        item = items.pop(0) if len(items) > 1 else items[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def decision() -> Decision:
    return Decision(
        id=str(ULID()),
        customer_id="C-1",
        action_id="A-1",
        action_kind=ActionKind.GOODWILL_CREDIT,
        action_label="Goodwill credit",
        process_step=ProcessStepRef(id="goodwill", version=2, title="Goodwill credit"),
        proposed_parameters={"amount_pence": 1000},
        kind=DecisionKind.ACCEPT,
        advisor_id="adv-1",
        decided_at=NOW,
    )


def receipt_json(d: Decision) -> dict[str, Any]:
    return {
        "id": d.id,
        "advisor_id": d.advisor_id,
        "sequence": 1,
        "prev_hash": "0" * 64,
        "hash": "a" * 64,
        "recorded_at": NOW.isoformat(),
    }


# -- retries ---------------------------------------------------------------------------------


async def test_get_is_retried_on_503_then_succeeds() -> None:
    rec = Recorder()
    ok = httpx.Response(200, json=health_json(Backend.FAULTS))
    client = make(FaultsClient, sequence(httpx.Response(503), httpx.Response(503), ok), rec)
    async with client:
        health = await client.health()
    assert health.backend is Backend.FAULTS
    assert len(rec.requests) == 3
    assert len(rec.sleeps) == 2
    assert client.last_call.state is HealthState.OK


async def test_get_gives_up_after_the_configured_attempts() -> None:
    rec = Recorder()
    client = make(FaultsClient, sequence(httpx.Response(503)), rec)
    async with client:
        with pytest.raises(BackendUnavailable) as caught:
            await client.status("C-1")
    assert caught.value.status == 503
    assert caught.value.reason == "down"
    assert len(rec.requests) == 3
    assert client.last_call.state is HealthState.DOWN
    assert client.last_call.reason == "down"


@pytest.mark.parametrize("status", [500, 503, 504])
async def test_get_is_retried_on_server_errors(status: int) -> None:
    rec = Recorder()
    ok = httpx.Response(200, json=[])
    client = make(FaultsClient, sequence(httpx.Response(status), ok), rec)
    async with client:
        assert await client.incidents() == []
    assert len(rec.requests) == 2


async def test_a_bad_gateway_is_not_retried() -> None:
    # 502: the upstream behind a gateway answered wrongly; asking again repeats it.
    rec = Recorder()
    client = make(FaultsClient, sequence(httpx.Response(502), httpx.Response(200, json=[])), rec)
    async with client:
        with pytest.raises(BackendUnavailable) as caught:
            await client.incidents()
    assert caught.value.status == 502
    assert len(rec.requests) == 1
    assert rec.sleeps == []


async def test_get_is_retried_after_a_connect_error() -> None:
    rec = Recorder()
    ok = httpx.Response(200, json=health_json(Backend.IDENTITY))
    client = make(IdentityClient, sequence(httpx.ConnectError("refused"), ok), rec)
    async with client:
        await client.health()
    assert len(rec.requests) == 2


async def test_connect_errors_end_as_unavailable() -> None:
    rec = Recorder()
    client = make(IdentityClient, sequence(httpx.ConnectError("refused")), rec)
    async with client:
        with pytest.raises(BackendUnavailable, match="ConnectError"):
            await client.me()
    assert len(rec.requests) == 3


async def test_post_without_key_is_never_retried() -> None:
    rec = Recorder()
    client = make(DecisionsClient, sequence(httpx.Response(503)), rec)
    async with client:
        with pytest.raises(BackendUnavailable):
            await client.post_model(routes.DECISIONS, decision(), Health)
        with pytest.raises(BackendUnavailable):
            await client.post_model(routes.DECISIONS, decision(), Health, idempotency_key=None)
    assert len(rec.requests) == 2
    assert rec.sleeps == []
    assert all(routes.IDEMPOTENCY_HEADER not in r.headers for r in rec.requests)


async def test_post_without_key_is_not_retried_after_connect_error() -> None:
    rec = Recorder()
    client = make(DecisionsClient, sequence(httpx.ConnectError("reset")), rec)
    async with client:
        with pytest.raises(BackendUnavailable):
            await client.post_model(routes.DECISIONS, decision(), Health)
    assert len(rec.requests) == 1


def at_genesis() -> ChainHead:
    """An empty chain: these tests answer the POST only, so no head is fetched."""
    return ChainHead(advisor_id=decision().advisor_id, count=0, head_hash=GENESIS_HASH)


async def test_post_with_key_is_retried_with_the_same_key_and_body() -> None:
    rec = Recorder()
    d = decision()
    ok = httpx.Response(201, json=receipt_json(d))
    client = make(
        DecisionsClient,
        sequence(httpx.Response(503), httpx.ReadTimeout("slow"), httpx.Response(504), ok),
        rec,
        retry=RetryPolicy(attempts=5, initial=0.01, maximum=0.05, jitter=0.0),
    )
    async with client:
        receipt = await client.record(d, after=at_genesis())
    assert receipt.id == d.id
    assert len(rec.requests) == 4
    assert {r.headers[routes.IDEMPOTENCY_HEADER] for r in rec.requests} == {d.id}
    assert {r.content for r in rec.requests} == {d.model_dump_json().encode()}
    assert all(r.method == "POST" for r in rec.requests)


async def test_post_with_key_is_not_retried_on_500() -> None:
    # 500 may mean the write half-happened with a bug behind it; only the
    # gateway-style 503/504 are retried for writes.
    rec = Recorder()
    client = make(DecisionsClient, sequence(httpx.Response(500)), rec)
    async with client:
        with pytest.raises(BackendUnavailable):
            await client.record(decision(), after=at_genesis())
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequest),
        (401, Unauthorised),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (422, BadRequest),
    ],
)
async def test_4xx_is_never_retried_and_maps_to_its_error(
    status: int, error: type[BackendError]
) -> None:
    rec = Recorder()
    client = make(DecisionsClient, sequence(httpx.Response(status, json={"detail": "no"})), rec)
    async with client:
        with pytest.raises(error) as get_caught:
            await client.get(str(ULID()))
        with pytest.raises(error):
            await client.record(decision(), after=at_genesis())
    assert len(rec.requests) == 2
    assert rec.sleeps == []
    assert get_caught.value.status == status
    assert get_caught.value.backend is Backend.DECISIONS
    assert "no" in str(get_caught.value)
    # The backend answered: a refusal is not an outage.
    assert client.last_call.state is HealthState.OK


async def test_fastapi_validation_detail_names_the_field() -> None:
    detail = [{"loc": ["body", "owner"], "msg": "String should have at least 1 character"}]
    rec = Recorder()
    client = make(CustomersClient, sequence(httpx.Response(422, json={"detail": detail})), rec)
    async with client:
        with pytest.raises(BadRequest, match="body.owner"):
            await client.add_note("C-1", NoteCreate(id=str(ULID()), author="a", text="x"))


def test_backoff_grows_exponentially_and_is_bounded() -> None:
    policy = RetryPolicy(attempts=10, initial=0.1, maximum=5.0, jitter=1.0)
    rng = random.Random(7)
    for retry in range(1, 12):
        floor = min(5.0, 0.1 * 2 ** (retry - 1))
        for _ in range(50):
            wait = policy.backoff(retry, rng)
            assert floor <= wait <= min(5.0, floor + 1.0)
    no_jitter = RetryPolicy(initial=0.1, maximum=5.0, jitter=0.0)
    assert [no_jitter.backoff(n, rng) for n in (1, 2, 3, 4)] == pytest.approx([0.1, 0.2, 0.4, 0.8])


async def test_recorded_backoffs_follow_the_policy() -> None:
    rec = Recorder()
    policy = RetryPolicy(attempts=6, initial=0.1, maximum=0.5, jitter=0.05, total=60)
    client = make(FaultsClient, sequence(httpx.Response(503)), rec, retry=policy)
    async with client:
        with pytest.raises(BackendUnavailable):
            await client.incidents()
    assert len(rec.requests) == 6
    assert len(rec.sleeps) == 5
    for n, wait in enumerate(rec.sleeps, start=1):
        floor = min(0.5, 0.1 * 2 ** (n - 1))
        assert floor <= wait <= min(0.5, floor + 0.05)


async def test_total_budget_stops_retries_in_real_time() -> None:
    async def always_503(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    calls = 0

    async def counting(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return await always_503(request)

    # 50 tries would back off for about 5 s in all: a 1 s budget stops them well
    # before, and still leaves a busy machine room for the first retry.
    policy = RetryPolicy(attempts=50, initial=0.05, maximum=0.1, jitter=0.01, total=1.0)
    client = FaultsClient(
        "http://faults.test", transport=httpx.MockTransport(counting), retry=policy
    )
    async with client:
        with pytest.raises(BackendUnavailable):
            await client.incidents()
    # Stopped by the budget: the backend never recovers and 50 tries were allowed.
    assert 2 <= calls < 20, calls


# -- timeouts --------------------------------------------------------------------------------


async def test_a_hung_backend_times_out_even_without_httpx_timeouts() -> None:
    # MockTransport, like ASGITransport, ignores httpx's timeouts; the client's
    # own per-attempt deadline (connect + read) must still end the call.
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("not reached")

    rec = Recorder()
    timeout = httpx.Timeout(connect=0.05, read=0.1, write=0.1, pool=0.05)
    client = make(FaultsClient, hang, rec, timeout=timeout, retry=RetryPolicy(attempts=2))
    async with client:
        with pytest.raises(BackendTimeout) as caught:
            await client.status("C-1")
    # Ended by the deadline (the handler never answers), once per try.
    assert len(rec.requests) == 2
    assert caught.value.reason == "timed out"
    # Each try's deadline is 0.15 s; the message also says how long it took in all.
    assert "no answer within 0.15s (2 tries, " in str(caught.value)
    assert "s in all)" in str(caught.value)
    assert client.last_call.state is HealthState.DOWN
    assert client.last_call.reason == "timed out"


async def test_httpx_read_timeout_maps_to_backend_timeout() -> None:
    rec = Recorder()
    client = make(CustomersClient, sequence(httpx.ReadTimeout("read")), rec)
    async with client:
        with pytest.raises(BackendTimeout):
            await client.profile("C-1")
    assert len(rec.requests) == 3


# -- contract violations ---------------------------------------------------------------------


def fault_status_json() -> dict[str, Any]:
    fault = Fault(
        id="F-1",
        product_ids=["P-1"],
        summary="Cable theft",
        state=FaultState.OPEN,
        opened_at=NOW,
        total_loss=True,
        eta_history=[
            EtaChange(eta=NOW + timedelta(days=1), changed_at=NOW, reason="first", automatic=True),
            EtaChange(
                eta=NOW + timedelta(days=2),
                changed_at=NOW + timedelta(days=1),
                reason="slipped",
                automatic=True,
            ),
        ],
    )
    status = FaultStatus(
        customer_id="C-1",
        checked_at=NOW,
        services=[],
        faults=[fault],
        incidents=[],
        appointments=[],
    )
    return status.model_dump(mode="json")


async def test_a_valid_body_validates() -> None:
    rec = Recorder()
    client = make(FaultsClient, sequence(httpx.Response(200, json=fault_status_json())), rec)
    async with client:
        status = await client.status("C-1")
    assert status.faults[0].eta_moves == 1


async def test_a_bad_nested_field_is_named_in_the_violation() -> None:
    body = fault_status_json()
    body["faults"][0]["eta_history"][1]["eta"] = "next tuesday"
    rec = Recorder()
    client = make(FaultsClient, sequence(httpx.Response(200, json=body)), rec)
    async with client:
        with pytest.raises(ContractViolation) as caught:
            await client.status("C-1")
    assert caught.value.field == "faults.0.eta_history.1.eta"
    assert str(caught.value).startswith(
        "faults: response field 'faults.0.eta_history.1.eta': Input should be a valid datetime"
    )
    assert caught.value.reason == "bad data"
    assert len(rec.requests) == 1, "a contract violation is not retried"
    assert client.last_call.state is HealthState.DOWN
    assert client.last_call.reason == "bad data"


async def test_an_unknown_enum_value_is_a_contract_violation_not_a_crash() -> None:
    body = fault_status_json()
    body["faults"][0]["state"] = "smouldering"
    rec = Recorder()
    client = make(FaultsClient, sequence(httpx.Response(200, json=body)), rec)
    async with client:
        with pytest.raises(ContractViolation) as caught:
            await client.status("C-1")
    assert caught.value.field == "faults.0.state"
    assert "'open' or 'resolved'" in str(caught.value)


async def test_an_unknown_enum_in_a_list_response_names_the_index() -> None:
    codes = [
        {"code": "ok", "label": "OK", "applies_to": ["decline"]},
        {"code": "odd", "label": "Odd", "applies_to": ["shrug"]},
    ]
    rec = Recorder()
    from advisor_tui.clients import ActionsClient

    client = make(ActionsClient, sequence(httpx.Response(200, json=codes)), rec)
    async with client:
        with pytest.raises(ContractViolation) as caught:
            await client.reason_codes()
    assert caught.value.field == "1.applies_to.0"


async def test_malformed_json_is_a_contract_violation() -> None:
    rec = Recorder()
    broken = httpx.Response(200, content=b'{"backend": "faults", "ok": tru')
    client = make(FaultsClient, sequence(broken), rec)
    async with client:
        with pytest.raises(ContractViolation, match="not valid JSON") as caught:
            await client.health()
    assert caught.value.field is None
    assert len(rec.requests) == 1


async def test_wrong_shape_is_a_contract_violation() -> None:
    rec = Recorder()
    client = make(IdentityClient, sequence(httpx.Response(200, json=[1, 2, 3])), rec)
    async with client:
        with pytest.raises(ContractViolation, match="response body"):
            await client.me()


async def test_an_unexpected_extra_field_is_a_contract_violation() -> None:
    body = health_json(Backend.FAULTS) | {"colour": "green"}
    rec = Recorder()
    client = make(FaultsClient, sequence(httpx.Response(200, json=body)), rec)
    async with client:
        with pytest.raises(ContractViolation) as caught:
            await client.health()
    assert caught.value.field == "colour"


# -- the token -------------------------------------------------------------------------------


async def test_token_is_sent_but_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    async def echo_token(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        # A careless backend that quotes the credential back in its error.
        return httpx.Response(401, json={"detail": f"bad token {TOKEN}"})

    rec = Recorder()
    client = make(IdentityClient, echo_token, rec)
    async with client:
        with pytest.raises(Unauthorised) as caught:
            await client.me()
    assert seen == [f"Bearer {TOKEN}"]
    error = caught.value
    for text in (str(error), repr(error), error.message, repr(client), str(client.last_call)):
        assert TOKEN not in text
    assert "bad token" in str(error)
    assert TOKEN not in repr(client._client.headers)
    assert caplog.records, "expected httpx/httpcore debug records to check"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()


async def test_token_is_not_logged_during_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused {request.headers.get('Authorization')}")

    rec = Recorder()
    client = make(CustomersClient, fail, rec)
    async with client:
        with pytest.raises(BackendUnavailable) as caught:
            await client.search("07700 900123")
    assert TOKEN not in str(caught.value)
    assert any("retry" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()


async def test_no_token_sends_no_authorization_header() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=health_json(Backend.ACTIONS))

    from advisor_tui.clients import ActionsClient

    async with ActionsClient("http://a.test", transport=httpx.MockTransport(handler)) as client:
        await client.health()
    assert "Authorization" not in seen[0].headers


# -- requests built from the contract routes -------------------------------------------------


async def test_paths_are_escaped_and_joined_under_the_base_path() -> None:
    rec = Recorder()
    client = make(CustomersClient, sequence(httpx.Response(404)), rec)
    async with client:
        with pytest.raises(NotFound):
            await client.history_event("C/1", "E 2")
    assert rec.requests[0].url.raw_path == b"/base/v1/customers/C%2F1/history/E%202"


async def test_history_sends_paging_filter_and_query_params() -> None:
    page: dict[str, Any] = {"events": [], "next_cursor": None}
    rec = Recorder()
    client = make(CustomersClient, sequence(httpx.Response(200, json=page)), rec)
    async with client:
        await client.history("C-1", cursor="abc", limit=20, channel=Channel.SOCIAL, query="rebate")
        await client.history("C-1")
        with pytest.raises(ValueError, match="limit"):
            await client.history("C-1", limit=routes.HISTORY_PAGE_MAX + 1)
    first, second = (dict(r.url.params) for r in rec.requests)
    assert first == {"cursor": "abc", "limit": "20", "channel": "social", "q": "rebate"}
    assert second == {"limit": "50"}


async def test_decision_filters_are_encoded() -> None:
    page: dict[str, Any] = {"items": [], "next_cursor": None, "total": 0}
    rec = Recorder()
    client = make(DecisionsClient, sequence(httpx.Response(200, json=page)), rec)
    async with client:
        result = await client.list(
            DecisionFilters(kind=DecisionKind.OVERRIDE, needs_approval=True, since=NOW), limit=10
        )
    assert result.total == 0
    params = dict(rec.requests[0].url.params)
    assert params == {
        "kind": "override",
        "needs_approval": "true",
        "since": "2024-03-04T09:30:00+00:00",
        "limit": "10",
    }


async def test_post_sends_the_contract_json() -> None:
    rec = Recorder()
    d = decision()
    client = make(DecisionsClient, sequence(httpx.Response(201, json=receipt_json(d))), rec)
    async with client:
        await client.record(d, after=at_genesis())
    request = rec.requests[0]
    assert request.headers["Content-Type"] == "application/json"
    assert Decision.model_validate(json.loads(request.content)) == d


# -- health record ---------------------------------------------------------------------------


async def test_health_callback_reports_ok_slow_and_down() -> None:
    reports: list[tuple[Backend, CallHealth]] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200, json=health_json(Backend.FAULTS))

    rec = Recorder()
    # "Slow" only past a minute: a busy machine must not make the quick answer slow.
    fast = make(
        FaultsClient,
        sequence(httpx.Response(200, json=health_json(Backend.FAULTS))),
        rec,
        slow_ms=60_000,
        on_health=lambda b, h: reports.append((b, h)),
    )
    slow_client = make(
        FaultsClient, slow, rec, slow_ms=10, on_health=lambda b, h: reports.append((b, h))
    )
    down = make(
        FaultsClient,
        sequence(httpx.Response(503)),
        rec,
        on_health=lambda b, h: reports.append((b, h)),
    )
    assert fast.last_call.state is HealthState.UNKNOWN
    async with fast, slow_client, down:
        await fast.health()
        await slow_client.health()
        with pytest.raises(BackendUnavailable):
            await down.health()
    states = [h.state for _, h in reports]
    assert states == [HealthState.OK, HealthState.SLOW, HealthState.DOWN]
    assert all(b is Backend.FAULTS for b, _ in reports)
    assert reports[1][1].latency_ms is not None and reports[1][1].latency_ms >= 50
    assert all(h.at is not None for _, h in reports)


# -- the bundle ------------------------------------------------------------------------------


async def test_backends_from_settings_use_each_configured_url() -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        host = request.url.host.split(".")[0]
        return httpx.Response(200, json=health_json(Backend(host)))

    settings = Settings(
        backends={b.value: {"url": f"https://{b.value}.example.net/api"} for b in Backend},
        token=SecretStr(TOKEN),
    )
    async with Backends.from_settings(settings, httpx.MockTransport(handler)) as backends:
        for client in backends:
            assert (await client.health()).backend is client.backend
        assert set(backends.health()) == set(Backend)
        assert all(h.state is HealthState.OK for h in backends.health().values())
        assert backends.client(Backend.FAULTS) is backends.faults
    assert seen == [f"https://{b.value}.example.net/api/v1/health" for b in Backend]


async def test_backends_in_demo_need_a_transport_or_base_url() -> None:
    with pytest.raises(ValueError, match="no backend URLs"):
        Backends.from_settings(Settings())
    backends = Backends.from_settings(Settings(), base_url="http://127.0.0.1:9999/")
    assert backends.faults.base_url == "http://127.0.0.1:9999/faults/"
    await backends.aclose()


async def test_backends_carry_timeouts_and_retry_from_settings() -> None:
    settings = Settings(
        timeouts={"connect": 1, "read": 3, "write": 4, "pool": 0.5},
        retry={"attempts": 7, "initial": 0.2, "max": 2, "jitter": 0.1, "total": 9},
        slow_ms=250,
    )
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    async with Backends.from_settings(settings, transport) as backends:
        client = backends.decisions
        assert client.timeout == httpx.Timeout(connect=1, read=3, write=4, pool=0.5)
        assert client.retry == RetryPolicy(attempts=7, initial=0.2, maximum=2, jitter=0.1, total=9)
        assert client.slow_ms == 250


async def test_clients_make_their_http_client_and_one_ssl_context_on_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app's first frame waits for neither (httpcore's import and the CA bundle);
    the five clients still share one SSL context, loaded once."""
    loaded: list[object] = []
    real = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> Any:
        context = real(*args, **kwargs)
        loaded.append(context)
        return context

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    settings = Settings(token=SecretStr("demo-advisor"))
    async with Backends.from_settings(settings, base_url="http://127.0.0.1:9") as backends:
        clients = [backends.identity, backends.customers, backends.faults, backends.actions]
        assert all(client._http is None for client in clients)
        assert loaded == []
        urls = [client.base_url for client in clients]  # first use
        assert urls[0] == "http://127.0.0.1:9/identity/"
        assert all(client._http is not None for client in clients)
        assert len(loaded) == 1
