"""The command line as a developer uses it: help everywhere, clear exits, real servers."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from advisor_tui.cli import build_parser, main
from advisor_tui.contract import routes

SUBCOMMANDS = [
    [],
    ["run"],
    ["demo"],
    ["mock"],
    ["mock", "serve"],
    ["mock", "openapi"],
    ["config"],
    ["config", "path"],
    ["config", "show"],
    ["config", "init"],
    ["decisions"],
    ["decisions", "list"],
    ["decisions", "status"],
    ["decisions", "sync"],
    ["decisions", "verify"],
    ["decisions", "export"],
    ["web"],
]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never read or write the developer's own config or data.
    config = tmp_path / "config.toml"
    config.write_text("# empty: every default\n")
    monkeypatch.setenv("ADVISOR_TUI_CONFIG", str(config))
    monkeypatch.setenv("ADVISOR_TUI_DATA_DIR", str(tmp_path / "data"))
    for name in list(os.environ):
        if name.startswith("ADVISOR_TUI_") and name not in {
            "ADVISOR_TUI_CONFIG",
            "ADVISOR_TUI_DATA_DIR",
        }:
            monkeypatch.delenv(name)


@pytest.mark.parametrize("argv", SUBCOMMANDS, ids=lambda a: " ".join(a) or "top")
def test_every_subcommand_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: advisor-tui" in capsys.readouterr().out


def test_bad_config_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[backends.faults]\nurl = "not a url"\n')
    assert main(["--config", str(config), "config", "show"]) == 2
    err = capsys.readouterr().err
    assert "backends.faults.url" in err and "Traceback" not in err


def test_unknown_key_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("colour = 'blue'\n")
    assert main(["--config", str(config), "config", "show"]) == 2
    assert "colour" in capsys.readouterr().err


def test_bad_keymap_exits_2_before_the_app_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "keys.toml"
    config.write_text('[keymap]\n"screen.nope" = "f3"\n')
    assert main(["--config", str(config), "demo"]) == 2
    assert "keymap.screen.nope: no such binding" in capsys.readouterr().err


def test_bad_fault_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fault", "faults=explode"]) == 2
    assert "unknown kind 'explode'" in capsys.readouterr().err
    assert main(["demo", "--latency", "nowhere=10"]) == 2
    assert "unknown backend 'nowhere'" in capsys.readouterr().err


def test_a_bad_as_of_date_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["demo", "--as-of", "next tuesday"])
    assert caught.value.code == 2
    assert "'next tuesday' is not a date like 2026-04-08" in capsys.readouterr().err


def test_bad_scenario_file_exits_2_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "broken.json"
    scenario.write_text(json.dumps({"anchor": "2025-06-12T10:00:00Z", "customers": [{}]}))
    assert main(["demo", "--scenario", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "broken.json" in err and "customers[0]" in err and "profile" in err


def test_config_init_writes_a_private_file_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new.toml"
    assert main(["--config", str(target), "config", "init"]) == 0
    assert target.stat().st_mode & 0o777 == 0o600
    assert main(["--config", str(target), "config", "init"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["--config", str(target), "config", "show"]) == 0


def test_config_show_masks_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "s3cret-token-value")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "s3cret-token-value" not in out and "********" in out


def test_mock_openapi_lists_every_contract_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "openapi"]) == 0
    document = json.loads(capsys.readouterr().out)
    paths = set(document["paths"])
    for backend, prefix in routes.PREFIXES.items():
        assert f"{prefix}{routes.HEALTH}" in paths, backend
    for path in (routes.SEARCH, routes.HISTORY, routes.NOTES):
        assert f"/customers{path}" in paths
    assert f"/faults{routes.FAULT_STATUS}" in paths
    assert f"/actions{routes.NEXT_ACTIONS}" in paths
    assert f"/decisions{routes.DECISIONS}" in paths and f"/decisions{routes.REVIEWS}" in paths
    assert f"/identity{routes.ME}" in paths


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_mock_serve_answers_over_http_and_takes_faults_at_run_time(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "advisor_tui",
            "mock",
            "serve",
            "--port",
            str(port),
            "--latency",
            "faults=50",
            "--decisions-db",
            str(tmp_path / "mock.sqlite3"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: a busy 2-core CI machine can take many seconds to start a
        # Python process that imports the whole mock, and to answer.
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.get("/openapi.json")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, "the mock server exited"
                    assert time.monotonic() < deadline, "the mock server never answered"
                    time.sleep(0.1)
            auth = {"Authorization": "Bearer demo-advisor"}
            me = client.get("/identity/v1/me", headers=auth).json()
            assert me["role"] == "advisor"
            found = client.get("/customers/v1/customers/search", params={"q": "@ballantyne70"})
            customer_id = found.json()["matches"][0]["id"]
            status = client.get(f"/faults/v1/customers/{customer_id}/status").json()
            assert status["faults"][0]["eta_history"]
            assert client.get("/admin/faults/faults").json()["latency_ms"] == 50
            client.put("/admin/faults/customers", json={"error_rate": 1.0})
            broken = client.get(f"/customers/v1/customers/{customer_id}")
            assert broken.status_code in {500, 503}
            client.put("/admin/faults/customers", json={})
            healed = client.get(f"/customers/v1/customers/{customer_id}")
            assert healed.status_code == 200 and healed.json()["id"] == customer_id
            # As in the demo, the mock's stand-in data is read by the real actions
            # service in process, so one --mock-url gives the app all five backends.
            actions = client.get(f"/actions/v1/customers/{customer_id}/next-actions")
            assert actions.status_code == 200 and actions.json()["actions"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_decisions_verify_catches_a_hand_edited_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from advisor_tui.store.decisions import DecisionStore
    from tests.store.decision_samples import make_decision

    path = tmp_path / "decisions.sqlite3"
    with DecisionStore(path) as store:
        for i in range(3):
            store.append(make_decision(i))
    assert main(["decisions", "--store", str(path), "verify"]) == 0
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE decisions SET body = replace(body, '\"accept\"', '\"override\"') WHERE seq = 2"
        )
    assert main(["decisions", "--store", str(path), "verify"]) == 1
    out = capsys.readouterr().out
    assert "2" in out


def test_decisions_export_from_the_server_with_filters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from pydantic import SecretStr

    from advisor_tui.clients import Backends
    from advisor_tui.config import Settings
    from advisor_tui.contract import DecisionKind
    from advisor_tui.demo import create_demo_app
    from advisor_tui.mock.scenario import load_state
    from advisor_tui.mock.server import BackgroundServer
    from tests.store.decision_samples import make_decision

    with BackgroundServer(create_demo_app(load_state())) as server:

        async def record() -> None:
            settings = Settings(token=SecretStr("demo-advisor"))
            client = Backends.from_settings(settings, base_url=server.base_url).decisions
            for n in range(6):
                kind = DecisionKind.OVERRIDE if n % 2 else DecisionKind.ACCEPT
                decision = make_decision(
                    n, kind=kind, advisor_id="adv-sam-carter", free_text="=HYPERLINK(x)"
                )
                await client.record(decision)
            await client.aclose()

        asyncio.run(record())
        monkeypatch.setenv("ADVISOR_TUI_TOKEN", "demo-supervisor")
        out = tmp_path / "overrides.csv"
        argv = [
            "decisions",
            "export",
            "--source",
            "server",
            "--base-url",
            server.base_url,
            "--kind",
            "override",
            "--output",
            str(out),
        ]
        assert main(argv) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + 3, "a header and the three overrides"
    assert "'=HYPERLINK(x)" in lines[1] and ",=HYPERLINK" not in out.read_text()
    assert "exported 3 decisions" in capsys.readouterr().err
