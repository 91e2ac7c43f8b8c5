"""The command line at its edges: bad ports, bad URLs, typos and a stopped server.

Each test drives ``advisor-tui`` as a person would (``main`` in process, or a
real subprocess where the point is a real socket or a real Ctrl-C) and checks
what they would see: the exit status and the words on stderr.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from advisor_tui.cli import main
from advisor_tui.contract import routes

DEADLINE_S = 60.0
"""For a subprocess to start or stop: generous, since CI machines may be busy."""


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never read or write the developer's own config or data.
    config = tmp_path / "config.toml"
    config.write_text("# empty: every default\n")
    for name in list(os.environ):
        if name.startswith("ADVISOR_TUI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ADVISOR_TUI_CONFIG", str(config))
    monkeypatch.setenv("ADVISOR_TUI_DATA_DIR", str(tmp_path / "data"))


def exits(argv: list[str]) -> int:
    """The exit status of ``main(argv)``, whether returned or raised by argparse."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.mark.parametrize("port", ["99999", "-5", "65536", "http"])
def test_a_bad_port_is_a_usage_error_of_mock_serve(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exits(["mock", "serve", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: advisor-tui mock serve")
    assert "--port" in err and ("not a port" in err)
    assert "Traceback" not in err


def test_an_unknown_flag_prints_that_subcommands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert exits(["demo", "--frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: advisor-tui demo")
    assert "--role" in err and "unrecognized arguments: --frobnicate" in err
    assert exits(["decisions", "status", "--frobnicate"]) == 2
    assert capsys.readouterr().err.startswith("usage: advisor-tui decisions status")


def test_help_says_where_each_command_keeps_mock_decisions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert exits(["demo", "--help"]) == 0
    demo = " ".join(capsys.readouterr().out.split())
    assert "demo-mock-decisions.sqlite3" in demo and "in memory" not in demo
    assert exits(["mock", "serve", "--help"]) == 0
    assert "in memory" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("command", ["status", "list", "verify", "sync", "export"])
def test_a_store_path_that_does_not_exist_is_an_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexistent" / "x.sqlite3"
    assert exits(["decisions", "--store", str(missing), command]) == 2
    assert f"no decision store at {missing}" in capsys.readouterr().err
    assert not missing.parent.exists()


@pytest.mark.parametrize("url", ["not-a-url", "ftp://host", "http://"])
def test_sync_to_something_that_is_not_a_url_fails_clearly(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exits(["decisions", "sync", "--base-url", url]) == 2
    err = capsys.readouterr().err
    assert "is not an http(s) URL" in err
    assert exits(["--mock-url", url, "decisions", "sync"]) == 2


def test_a_typo_in_a_top_level_variable_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADVISOR_TUI_TOKN", "demo-advisor")
    assert exits(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert "ADVISOR_TUI_TOKN: unknown setting; did you mean ADVISOR_TUI_TOKEN?" in err
    assert "demo-advisor" not in err, "a value (maybe a token) is never echoed"
    monkeypatch.delenv("ADVISOR_TUI_TOKN")
    # The test suite's own switches are not settings and are left alone.
    monkeypatch.setenv("ADVISOR_TUI_TEST_SOMETHING", "1")
    monkeypatch.setenv("ADVISOR_TUI_MOCK_URL", "http://127.0.0.1:8765")
    assert exits(["config", "show"]) == 0
    assert 'mock_url = "http://127.0.0.1:8765/"' in capsys.readouterr().out


def test_mock_url_and_backend_urls_together_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for backend in ("IDENTITY", "CUSTOMERS", "FAULTS", "ACTIONS", "DECISIONS"):
        monkeypatch.setenv(f"ADVISOR_TUI_BACKENDS__{backend}__URL", "https://x.example/")
    assert exits(["--mock-url", "http://127.0.0.1:8765", "config", "show"]) == 2
    assert "mock_url and backend URLs are both set" in capsys.readouterr().err


def test_one_mock_url_serves_the_app_and_decisions_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from advisor_tui.clients import Backends
    from advisor_tui.config import load_settings
    from advisor_tui.demo import create_demo_app as create_app
    from advisor_tui.mock.scenario import load_state
    from advisor_tui.mock.server import BackgroundServer
    from advisor_tui.store.decisions import DecisionStore
    from tests.store.decision_samples import make_decision

    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "demo-advisor")
    store = tmp_path / "decisions.sqlite3"
    with DecisionStore(store) as log:
        log.append(make_decision(1, advisor_id="adv-sam-carter"))
    with BackgroundServer(create_app(load_state())) as server:
        # The app: every backend client points at the server's prefix.
        settings, _ = load_settings(mock_url=server.base_url)
        assert not settings.is_demo

        async def who_and_what() -> tuple[str, int]:
            backends = Backends.from_settings(settings)
            try:
                me = await backends.identity.me()
                found = await backends.customers.search("@ballantyne70")
                return me.id, len(found.matches)
            finally:
                for client in backends:
                    await client.aclose()

        assert asyncio.run(who_and_what()) == ("adv-sam-carter", 1)
        # decisions sync: the same URL, as a top-level flag or the sync flag.
        assert (
            exits(["--mock-url", server.base_url, "decisions", "--store", str(store), "sync"]) == 0
        )
        assert "delivered 1, still pending 0" in capsys.readouterr().out
        assert (
            exits(["decisions", "--store", str(store), "sync", "--mock-url", server.base_url]) == 0
        )


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "advisor_tui", "mock", "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _announced_url(server: subprocess.Popen[str]) -> str:
    assert server.stderr is not None
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        found = re.search(r"serving mock backends on (http://\S+)", line)
        if found:
            return found.group(1)
        if not line and server.poll() is not None:
            break
    raise AssertionError("mock serve never said where it listens")


def test_port_0_announces_the_real_port_and_ctrl_c_stops_a_hung_server() -> None:
    server = _serve("--port", "0", "--fault", "faults=hang")
    try:
        url = _announced_url(server)
        port = int(url.rsplit(":", 1)[1])
        assert port != 0
        health = httpx.get(url + "/customers" + routes.HEALTH, timeout=DEADLINE_S)
        assert health.status_code == 200

        # A request the hang fault never answers, sent whole before anything else:
        # once a later connection is answered, the loop has read this one too.
        host, _, _ = url.removeprefix("http://").rpartition(":")
        hung = socket.create_connection((host, port), timeout=DEADLINE_S)
        hung.sendall(f"GET /faults{routes.INCIDENTS} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        httpx.get(url + "/identity" + routes.HEALTH, timeout=DEADLINE_S)
        server.send_signal(signal.SIGINT)  # Ctrl-C
        status = server.wait(timeout=DEADLINE_S)
        hung.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.stderr is not None
    rest = server.stderr.read()
    assert status in (0, 130), rest
    assert "Traceback" not in rest and "CancelledError" not in rest, rest
    # The hung request was there, and was dropped after the grace period.
    assert "Cancel 1 running task(s)" in rest, rest
