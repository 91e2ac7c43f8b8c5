"""The decisions service's 422: one ErrorBody sentence, cut to fit, never a 500."""

from __future__ import annotations

import httpx

from advisor_tui.contract import ErrorBody, routes
from advisor_tui.contract._base import PROSE_MAX
from advisor_tui.services.decisions.auth import TokenTable
from advisor_tui.services.decisions.service import create_app
from advisor_tui.services.decisions.sqlite_engine import SqliteEngine
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger
from tests.services.decisions.builders import AMY, auth, make_decision, make_state


async def test_a_thousand_bad_items_are_a_cut_422_not_a_500() -> None:
    state = make_state()
    ledger = SqliteLedger(None, migrate=True)
    app = create_app(SqliteEngine(ledger), TokenTable(state.advisor_for_token))
    d = make_decision(AMY, minutes_ago=5)
    body = d.model_dump(mode="json")
    # As many wrong items as the list may hold: their description is longer than
    # an ErrorBody's detail may be (before the 422s were one, this was a 500).
    body["situation"] = [1] * 1000
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://decisions") as api:
            response = await api.post(
                routes.DECISIONS,
                json=body,
                headers={**auth("demo-advisor"), routes.IDEMPOTENCY_HEADER: d.id},
            )
    finally:
        ledger.close()
    assert response.status_code == 422
    detail = ErrorBody.model_validate(response.json()).detail
    assert len(detail) == PROSE_MAX and detail.endswith("…")
    assert detail.startswith(
        "body.situation.0: Input should be a valid string; "
        "body.situation.1: Input should be a valid string; "
    )
