"""``advisor-tui run`` on a config it checked before paints first and opens the
session behind the first frame; on a new or changed config it checks first.
Either way a config error is said in the same words with exit status 2.

The app runs headless here (``App.run`` patched), as the cold-start benchmark runs it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from advisor_tui import startup
from advisor_tui.cli import main
from advisor_tui.cli.app import open_checked
from advisor_tui.clients.tmf.customers import TmfCustomersClient
from advisor_tui.clients.tmf.faults import TmfFaultsClient


@pytest.fixture(autouse=True)
def live_config(no_advisor_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The cache directory (checked fingerprints) is the test's own (tests/conftest.py).
    monkeypatch.setenv("ADVISOR_TUI_DATA_DIR", str(tmp_path / "data"))
    config = tmp_path / "config.toml"
    # Every backend at a closed loopback port: the app starts, no backend answers.
    config.write_text(
        "".join(
            f'[backends.{b}]\nurl = "http://127.0.0.1:9/{b}"\n'
            for b in ("identity", "customers", "faults", "actions", "decisions")
        )
    )
    config.chmod(0o600)
    monkeypatch.setenv("ADVISOR_TUI_CONFIG", str(config))
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "test-token")
    return config


@pytest.fixture
def screens_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Runs the app headless until its advisor screen is up (or it ends), and
    lists the screens it showed on the way, in order."""
    seen: list[str] = []
    original = App.run

    def run(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        async def auto(pilot: Pilot[Any]) -> None:
            while self.is_running:
                name = type(self.screen).__name__
                if not seen or seen[-1] != name:
                    seen.append(name)
                if name == "AdvisorScreen":
                    break
                await pilot.pause(0.01)
            if self.is_running:
                await pilot.pause()
                self.exit()

        return original(self, headless=True, size=(80, 24), auto_pilot=auto)

    monkeypatch.setattr(App, "run", run)
    yield seen


def test_the_second_start_on_the_same_config_paints_first(screens_seen: list[str]) -> None:
    assert main(["run"]) == 0
    assert screens_seen[-1] == "AdvisorScreen"
    assert "StartingScreen" not in screens_seen, "a new config is checked before the screen"
    assert startup.stamp_path().exists()
    screens_seen.clear()
    assert main(["run"]) == 0
    assert screens_seen[0] == "StartingScreen"
    assert screens_seen[-1] == "AdvisorScreen"


def test_a_changed_config_is_checked_first_again(
    screens_seen: list[str], live_config: Path
) -> None:
    assert main(["run"]) == 0
    live_config.write_text('theme = "nord"\n' + live_config.read_text())
    screens_seen.clear()
    assert main(["run"]) == 0
    assert "StartingScreen" not in screens_seen


def test_a_config_error_found_after_the_first_frame_is_said_as_before(
    screens_seen: list[str], live_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A keymap entry naming no binding passes the settings but not the app: as
    # after an upgrade that renamed a binding, with the old fingerprint kept.
    live_config.write_text(live_config.read_text() + '[keymap]\n"advisor.nothing" = "f12"\n')
    assert main(["run"]) == 2
    checked_first = capsys.readouterr().err
    assert checked_first.startswith("advisor-tui: config:"), checked_first
    assert not startup.stamp_path().exists(), "a failed check keeps no fingerprint"

    startup.remember_checked(startup.fingerprint(None, "run"))
    screens_seen.clear()
    assert main(["run"]) == 2
    assert screens_seen[:1] == ["StartingScreen"]
    assert capsys.readouterr().err == checked_first
    assert not startup.checked_before(startup.fingerprint(None, "run")), "next: check first"


def test_the_demo_paints_first_too_and_its_servers_stop_with_it(
    screens_seen: list[str], live_config: Path, tmp_path: Path
) -> None:
    # No backends configured: ``advisor-tui`` runs the embedded demo.
    live_config.write_text("# every default\n")
    assert main([]) == 0
    assert "StartingScreen" not in screens_seen
    screens_seen.clear()
    assert main([]) == 0
    assert screens_seen[0] == "StartingScreen"
    assert screens_seen[-1] == "AdvisorScreen"
    screens_seen.clear()
    # ``demo`` is another command: checked first once, then quick too.
    assert main(["demo"]) == 0
    assert "StartingScreen" not in screens_seen
    screens_seen.clear()
    assert main(["demo"]) == 0
    assert screens_seen[0] == "StartingScreen"
    assert (tmp_path / "data" / "demo-decisions.sqlite3").exists()
    # Each demo's in-process mock server was stopped when its app ended.
    assert not [t for t in threading.enumerate() if t.name.startswith("mock-server-")]


def test_demo_protocol_tmf_reaches_the_app_clients(live_config: Path) -> None:
    # The demo's settings used to be read again after its sign-in, without the
    # --protocol override: the header said TM Forum, the clients spoke native.
    live_config.write_text("# every default\n")
    with ExitStack() as stack:
        session = open_checked(["demo", "--protocol", "tmf", "--fresh"], stack)
        try:
            assert isinstance(session.backends.customers, TmfCustomersClient)
            assert isinstance(session.backends.faults, TmfFaultsClient)
            assert "TM Forum" in session.mode.label
        finally:
            asyncio.run(session.aclose())
