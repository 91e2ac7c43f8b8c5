"""Signed bearer tokens: what the decisions service accepts, refuses, and why.

The demo identity backend signs real JWTs (EdDSA); the service verifies them as
it would an operator's identity provider's: signature, expiry, audience, the
role and team claims. Static demo tokens only with the explicit insecure flag."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi import FastAPI

from advisor_tui.cli import main
from advisor_tui.contract import TokenGrant, routes
from advisor_tui.demo import create_demo_app as create_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState
from advisor_tui.mock.tokens import DemoTokenIssuer
from advisor_tui.services.decisions.auth import JwtAuthenticator, Unauthorised
from advisor_tui.services.decisions.inprocess import demo_authenticator
from advisor_tui.services.decisions.router import build_router
from advisor_tui.services.decisions.sqlite_engine import SqliteEngine
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger
from tests.services.decisions.builders import AMY, BOB, TESS, make_decision, make_state, review


@pytest.fixture
def state() -> MockState:
    return make_state()


def verifier(issuer: DemoTokenIssuer, audience: str | None = None) -> JwtAuthenticator:
    return JwtAuthenticator.from_jwks(
        issuer.jwks(), audience=audience or issuer.audience, issuer=issuer.issuer
    )


def test_a_signed_token_names_its_advisor(state: MockState) -> None:
    advisor = verifier(state.tokens).advisor_for(state.tokens.issue(TESS))
    assert advisor == TESS


def test_expired_foreign_tampered_and_unsigned_tokens_are_refused(state: MockState) -> None:
    check = verifier(state.tokens)
    expired = state.tokens.issue(AMY, now=time.time() - 7200, ttl_s=60)
    with pytest.raises(Unauthorised, match="expired"):
        check.advisor_for(expired)
    with pytest.raises(Unauthorised, match="audience"):
        verifier(state.tokens, audience="another-service").advisor_for(state.tokens.issue(AMY))
    other_key = DemoTokenIssuer().issue(AMY)
    with pytest.raises(Unauthorised):
        check.advisor_for(other_key)
    header, claims, signature = state.tokens.issue(AMY).split(".")
    forged_claims = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(claims).replace(b'"advisor"', b'"supervisor"')
    ).decode()
    with pytest.raises(Unauthorised):
        check.advisor_for(f"{header}.{forged_claims}.{signature}")
    unsigned = jwt.encode({"sub": AMY.id, "aud": "advisor-tui"}, key=None, algorithm="none")
    with pytest.raises(Unauthorised):
        check.advisor_for(unsigned)
    with pytest.raises(Unauthorised):
        check.advisor_for("demo-advisor")


@pytest.fixture
async def service(state: MockState) -> AsyncIterator[httpx.AsyncClient]:
    """The decisions API taking signed tokens only (as ``serve decisions`` does)."""
    app = FastAPI()
    engine = SqliteEngine(SqliteLedger(None))
    app.include_router(
        build_router(
            engine,
            demo_authenticator(
                state.tokens.jwks(), audience=state.tokens.audience, issuer=state.tokens.issuer
            ),
            state.clock,
        ),
        prefix="/decisions",
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def record(client: httpx.AsyncClient, token: str, advisor_id: str) -> httpx.Response:
    d = make_decision(AMY, minutes_ago=5).model_copy(update={"advisor_id": advisor_id})
    return await client.post(
        "/decisions" + routes.DECISIONS,
        content=d.model_dump_json(),
        headers={
            **bearer(token),
            "Content-Type": "application/json",
            routes.IDEMPOTENCY_HEADER: d.id,
            routes.CHAIN_SEQUENCE_HEADER: "1",
            routes.CHAIN_PREV_HEADER: "0" * 64,
        },
    )


async def test_static_demo_tokens_are_refused_without_the_insecure_flag(
    service: httpx.AsyncClient,
) -> None:
    refused = await record(service, "demo-advisor", AMY.id)
    assert refused.status_code == 401
    assert "demo-advisor" not in refused.text


async def test_an_advisor_records_only_as_themself_and_may_not_review(
    service: httpx.AsyncClient, state: MockState
) -> None:
    amy = state.tokens.issue(AMY)
    assert (await record(service, state.tokens.issue(BOB), AMY.id)).status_code == 403
    created = await record(service, amy, AMY.id)
    assert created.status_code == 201, created.text
    decision_id = created.json()["id"]
    verdict = await service.post(
        "/decisions" + routes.REVIEWS.format(decision_id=decision_id),
        json=review(
            __import__("advisor_tui.contract", fromlist=["Verdict"]).Verdict.ENDORSE
        ).model_dump(mode="json"),
        headers=bearer(state.tokens.issue(BOB)),
    )
    assert verdict.status_code == 403
    figures = await service.get("/decisions" + routes.STATS, headers=bearer(amy))
    assert figures.status_code == 403
    as_lead = await service.get(
        "/decisions" + routes.STATS, headers=bearer(state.tokens.issue(TESS))
    )
    assert as_lead.status_code == 200


async def test_the_demo_identity_backend_hands_out_tokens_the_service_accepts(
    state: MockState,
) -> None:
    app = create_app(state, insecure_demo_tokens=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        grant = await client.post("/identity" + routes.TOKEN, headers=bearer("demo-advisor"))
        assert grant.status_code == 200
        token = TokenGrant.model_validate(grant.json()).access_token
        assert (
            await client.get(
                "/decisions" + routes.CHAIN_HEAD.format(advisor_id=AMY.id),
                headers=bearer("demo-advisor"),
            )
        ).status_code == 401
        head = await client.get(
            "/decisions" + routes.CHAIN_HEAD.format(advisor_id=AMY.id), headers=bearer(token)
        )
        assert head.status_code == 200, head.text
        # The same token works on the mock's own backends.
        me = await client.get("/identity" + routes.ME, headers=bearer(token))
        assert me.json()["id"] == AMY.id
        keys = await client.get("/identity" + routes.JWKS)
        assert keys.json()["keys"][0]["alg"] == "EdDSA"


def test_serve_decisions_refuses_to_start_without_a_way_to_check_tokens(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["serve", "decisions", "--database", "sqlite://", "--port", "1"])
    assert code == 2
    assert "--jwks" in capsys.readouterr().err


def test_serve_decisions_with_the_insecure_flag_takes_the_scenarios_static_tokens(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The wiring (advisor_tui.cli), not the service, hands over the demo's static
    tokens: the app ``serve decisions --insecure-demo-tokens`` runs accepts them."""
    import uvicorn

    served: list[FastAPI] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    monkeypatch.setattr(gc, "freeze", lambda: None)  # not in a test process
    database = f"sqlite:///{tmp_path / 'decisions.sqlite3'}"
    args = ["serve", "decisions", "--database", database, "--migrate", "--insecure-demo-tokens"]
    assert main(args) == 0
    (app,) = served
    me = load_state().advisor_for_static_token("demo-advisor")
    assert me is not None
    head_path = routes.CHAIN_HEAD.format(advisor_id=me.id)

    async def ask() -> tuple[int, int]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
                good = await client.get(head_path, headers=bearer("demo-advisor"))
                bad = await client.get(head_path, headers=bearer("not-a-demo-token"))
                return good.status_code, bad.status_code

    assert asyncio.run(ask()) == (200, 401)
