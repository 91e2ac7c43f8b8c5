"""Both TMF adapters against the mock's TMF profile over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from advisor_tui.clients import Backends
from advisor_tui.clients.tmf import TmfCustomersClient, TmfFaultsClient
from advisor_tui.config import Protocol
from advisor_tui.mock.app import create_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import BackgroundServer
from tests.tmf.conftest import NOW, settings


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with BackgroundServer(create_app(load_state())) as server:
        yield server.base_url


async def test_customers_history_and_faults_over_loopback(served: str) -> None:
    async with (
        Backends.from_settings(settings(Protocol.TMF), base_url=served) as tmf,
        Backends.from_settings(settings(Protocol.NATIVE), base_url=served) as native,
    ):
        assert isinstance(tmf.customers, TmfCustomersClient)
        assert isinstance(tmf.faults, TmfFaultsClient)
        found = await tmf.customers.search("@ballantyne70")
        assert found == await native.customers.search("@ballantyne70")
        customer_id = found.matches[0].id
        assert await tmf.customers.profile(customer_id) == await native.customers.profile(
            customer_id
        )
        page = await tmf.customers.history(customer_id, limit=5)
        assert page.events == (await native.customers.history(customer_id, limit=5)).events
        status = await tmf.faults.status(customer_id)
        expected = await native.faults.status(customer_id)
        assert status.model_copy(update={"checked_at": NOW}) == expected.model_copy(
            update={"checked_at": NOW}
        )
