from __future__ import annotations

import asyncio
import json
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


async def test_latency_and_jitter(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.FAULTS, latency_ms=300, jitter_ms=100)
    started = time.perf_counter()
    response = await client.get(INCIDENTS)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert 0.3 <= elapsed < 1.0
    # Only the faulted backend is slow.
    started = time.perf_counter()
    assert (await client.get(PROFILE)).status_code == 200
    assert time.perf_counter() - started < 0.25


async def test_latency_runs_concurrently(client: httpx.AsyncClient) -> None:
    await put_faults(client, Backend.FAULTS, latency_ms=400)
    started = time.perf_counter()
    results = await asyncio.gather(*(client.get(INCIDENTS) for _ in range(5)))
    assert all(r.status_code == 200 for r in results)
    assert time.perf_counter() - started < 1.2  # one delay, not five in a row (2 s)


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
        with httpx.Client(base_url=server.base_url, timeout=httpx.Timeout(5, read=0.3)) as http:
            started = time.perf_counter()
            with pytest.raises(httpx.ReadTimeout):
                http.get(INCIDENTS)
            assert time.perf_counter() - started < 2
            # A hung backend does not stop the others, nor the admin that heals it.
            assert http.get(PROFILE).status_code == 200
            healed = http.put(ADMIN.format(backend="faults"), json={})
            assert healed.status_code == 200
            assert http.get(INCIDENTS).status_code == 200
        started = time.perf_counter()
    assert time.perf_counter() - started < 5  # clean shutdown, even after a hang


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
