"""Quitting while decision delivery is under way: the pass ends before the
decision log closes, nothing is reported as failed, nothing is lost."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.state import MockState
from advisor_tui.session import Session
from advisor_tui.store.decisions import DecisionStore
from tests.store.decision_samples import make_decision
from tests.ui.conftest import MODE, SERVICE_DEADLINE, quick_settings
from tests.ui.helpers import wait_for


class HeldStore(DecisionStore):
    """A decision log whose delivery read waits until the log has been closed:
    the moment a quick quit used to hit."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reading = threading.Event()
        self.closed = threading.Event()

    def pending(self, *args: Any, **kwargs: Any) -> Any:
        self.reading.set()
        self.closed.wait(timeout=60)
        return super().pending(*args, **kwargs)

    def close(self) -> None:
        super().close()
        self.closed.set()


async def test_quitting_mid_delivery_fails_nothing_and_loses_nothing(
    mock_state: MockState, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "decisions.sqlite3"
    with DecisionStore(path) as store:
        store.append(make_decision(advisor_id="adv-sam-carter"))
    held = HeldStore(path)
    transport = httpx.ASGITransport(
        app=create_demo_app(mock_state, upstream_deadline=SERVICE_DEADLINE)
    )
    session = Session(
        backends=Backends.from_settings(quick_settings(), transport=transport),
        mode=MODE,
        store=held,
    )
    app = AdvisorApp(session, log_path=tmp_path / "log")
    with caplog.at_level(logging.INFO):
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, held.reading.is_set, "delivery to read the log")
            app.exit()
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]
    with DecisionStore(path) as store:
        assert store.pending_count() == 1, "the undelivered decision waits for the next run"
