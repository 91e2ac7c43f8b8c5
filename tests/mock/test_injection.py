from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter

import httpx
import pytest

from advisor_tui.contract import Backend, ErrorBody, FaultSpec, routes
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.injection import backend_for_path, truncate_json
from advisor_tui.mock.server import BackgroundServer
from advisor_tui.mock.state import MockState

INCIDENTS = routes.PREFIXES[Backend.FAULTS] + routes.INCIDENTS
PROFILE = routes.PREFIXES[Backend.CUSTOMERS] + routes.PROFILE.format(customer_id="cus-outage")
ME = routes.PREFIXES[Backend.IDENTITY] + routes.ME
ADMIN = routes.ADMIN_PREFIX + routes.ADMIN_FAULTS


async def put_faults(client: httpx.AsyncClient, backend: Backend, **spec: object) -> None:
    response = await client.put(ADMIN.format(backend=backend.value), json=spec)
    assert response.status_code == 200, response.text
    assert FaultSpec.model_validate(response.json()) == FaultSpec.model_validate(spec)


def test_backend_for_path() -> None:
    assert backend_for_path("/customers/v1/customers/x") is Backend.CUSTOMERS
    assert backend_for_path("/faults") is Backend.FAULTS
    assert backend_for_path("/faultsy/v1") is None
    assert backend_for_path("/admin/faults/faults") is None
    assert backend_for_path("/openapi.json") is None


def test_truncate_json_never_parses() -> None:
    for body in (b'{"a": [1, 2, 3]}', b"[]", b"12", b'"x"', b""):
        with pytest.raises(ValueError):
            json.loads(truncate_json(body))


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every delay the mock sleeps for, as it starts sleeping: timing checks by
    what was asked for, not by a stopwatch that a busy CI machine makes lie."""
    asked: list[float] = []
    real_sleep = asyncio.sleep

    async def recording(delay: float, result: object = None) -> object:
        if delay > 0:
            asked.append(delay)
        return await real_sleep(delay, result)

    monkeypatch.setattr(asyncio, "sleep", recording)
    return asked


async def test_latency_and_jitter(client: httpx.AsyncClient, delays: list[float]) -> None:
    await put_faults(client, Backend.FAULTS, latency_ms=300, jitter_ms=100)
    started = time.perf_counter()
    response = await client.get(INCIDENTS)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.3  # the delay really was slept
    assert len(delays) == 1 and 0.3 <= delays[0] <= 0.4, delays
    # Only the faulted backend is slow.
    assert (await client.get(PROFILE)).status_code == 200
    assert len(delays) == 1, delays


async def test_latency_runs_concurrently(client: httpx.AsyncClient, delays: list[float]) -> None:
    # A latency no test waits out: all five requests are sleeping at once, so
    # one slow request does not queue the others behind it.
    await put_faults(client, Backend.FAULTS, latency_ms=60_000)
    requests = [asyncio.create_task(client.get(INCIDENTS)) for _ in range(5)]
    try:
        async with asyncio.timeout(120):
            while len(delays) < 5:
                await asyncio.sleep(0)
        assert delays == [60.0] * 5
        assert not any(r.done() for r in requests)
    finally:
        for r in requests:
            r.cancel()
        await asyncio.gather(*requests, return_exceptions=True)


async def test_error_rate_answers_500_or_503(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.CUSTOMERS, error_rate=1.0)
    codes: Counter[int] = Counter()
    for _ in range(30):
        response = await client.get(PROFILE)
        codes[response.status_code] += 1
        assert "injected" in ErrorBody.model_validate(response.json()).detail
    assert set(codes) == {500, 503}


async def test_partial_error_rate(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.CUSTOMERS, error_rate=0.5)
    codes = [(await client.get(PROFILE)).status_code for _ in range(60)]
    failures = sum(code >= 500 for code in codes)
    assert 10 < failures < 50 and codes.count(200) == 60 - failures


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.CUSTOMERS, malformed_json=True)
    response = await client.get(PROFILE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content.startswith(b'{"id":"cus-outage"')  # the real answer, cut short
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_wrong_schema(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.IDENTITY, wrong_schema=True)
    response = await client.get(ME, headers={"Authorization": "Bearer demo-advisor"})
    assert response.status_code == 200
    assert response.json() == {"unexpected": True}


async def test_hang_in_process_does_not_block_others(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.FAULTS, hang=True)
    hung = asyncio.create_task(client.get(INCIDENTS))
    # Other backends (and the admin) answer while one request hangs.
    assert (await client.get(PROFILE)).status_code == 200
    await asyncio.sleep(0.2)
    assert not hung.done()
    hung.cancel()
    with pytest.raises(asyncio.CancelledError):
        await hung


async def test_runtime_change_and_admin_is_exempt(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.CUSTOMERS, error_rate=1.0)
    assert (await client.get(PROFILE)).status_code >= 500
    listing = (await client.get(routes.ADMIN_PREFIX + "/faults")).json()
    assert listing["customers"]["error_rate"] == 1.0 and listing["faults"]["error_rate"] == 0
    # Every backend broken at once, and the admin still answers to switch it off.
    for backend in Backend:
        await put_faults(client, backend, hang=True, error_rate=1.0)
    assert (await client.get(routes.ADMIN_PREFIX + "/faults")).status_code == 200
    await put_faults(client, Backend.CUSTOMERS)
    assert (await client.get(PROFILE)).status_code == 200
    got = await client.get(ADMIN.format(backend="customers"))
    assert FaultSpec.model_validate(got.json()) == FaultSpec()


async def test_admin_rejects_bad_specs(client: httpx.AsyncClient) -> None:
    bad = await client.put(ADMIN.format(backend="customers"), json={"error_rate": 2})
    assert bad.status_code == 422
    assert "error_rate" in ErrorBody.model_validate(bad.json()).detail
    unknown_key = await client.put(ADMIN.format(backend="customers"), json={"explode": True})
    assert unknown_key.status_code == 422
    unknown_backend = await client.get(ADMIN.format(backend="billing"))
    assert unknown_backend.status_code == 422


async def test_faults_set_on_state_apply_too(state: MockState, client: httpx.AsyncClient) -> None:
    # The CLI sets faults on the state before serving; the middleware reads it live.
    state.faults[Backend.FAULTS] = FaultSpec(wrong_schema=True)
    assert (await client.get(INCIDENTS)).json() == {"unexpected": True}


def test_hang_over_loopback_times_out_and_server_stays_up(state: MockState) -> None:
    state.faults[Backend.FAULTS] = FaultSpec(hang=True)
    with BackgroundServer(create_demo_app(state)) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        port = server.port
        # Generous for every request but the hung one: on a busy machine a healthy
        # answer over loopback can take more than a fraction of a second.
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            with pytest.raises(httpx.ReadTimeout):
                http.get(INCIDENTS, timeout=httpx.Timeout(30, read=0.3))
            # A hung backend does not stop the others, nor the admin that heals it.
            assert http.get(PROFILE).status_code == 200
            healed = http.put(ADMIN.format(backend="faults"), json={})
            assert healed.status_code == 200
            assert http.get(INCIDENTS).status_code == 200
    # A clean shutdown, even after a hang: the server's thread ended within
    # stop()'s own wait, rather than being left behind as a daemon.
    assert not [t for t in threading.enumerate() if t.name == f"mock-server-{port}"]


def test_loopback_serves_the_seed(state: MockState) -> None:
    with BackgroundServer(create_demo_app(state)) as server:
        response = httpx.get(
            server.base_url + routes.PREFIXES[Backend.CUSTOMERS] + routes.SEARCH,
            params={"q": "@ballantyne70"},
        )
        assert response.json()["matches"][0]["id"] == "cus-outage"
        port = server.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
