"""Warnings said before the screen opens are shown in the app too.

The alternate screen hides whatever went to stderr on the way in: a config file
that holds a token but is world-readable, or a damaged decision log set aside.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
import pytest

from advisor_tui import cli
from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends
from advisor_tui.mock.app import create_app
from advisor_tui.mock.state import MockState
from advisor_tui.session import Session
from advisor_tui.store.decisions import open_for_app
from tests.ui.conftest import MODE, quick_settings
from tests.ui.helpers import settle


def shown(app: AdvisorApp) -> list[str]:
    return [n.message for n in app._notifications]


async def run_with(mock_state: MockState, store_path: Path, warnings: list[str]) -> list[str]:
    store, damaged = open_for_app(store_path)
    transport = httpx.ASGITransport(app=create_app(mock_state))
    session = Session(
        backends=Backends.from_settings(quick_settings(), transport=transport),
        mode=MODE,
        store=store,
        startup_warnings=[*warnings, *([damaged] if damaged else [])],
    )
    app = AdvisorApp(session)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        messages = shown(app)
    return messages


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
async def test_world_readable_config_warning_is_shown_in_the_app(
    mock_state: MockState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('token = "secret-token-value"\n')
    config.chmod(0o644)
    args = argparse.Namespace(config=config)
    cli._settings(args)
    printed = capsys.readouterr().err
    assert "readable by others" in printed
    messages = await run_with(mock_state, tmp_path / "d.sqlite3", args.startup_warnings)
    assert any("readable by others" in m and str(config) in m for m in messages), messages
    assert not any("secret-token-value" in m for m in messages)


async def test_damaged_decision_log_is_named_in_the_app(
    mock_state: MockState, tmp_path: Path
) -> None:
    store_path = tmp_path / "decisions.sqlite3"
    store_path.write_bytes(b"not a database at all " * 50)
    messages = await run_with(mock_state, store_path, [])
    (message,) = [m for m in messages if "damaged" in m]
    assert str(store_path) in message and "file is not a database" in message
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].name in message
