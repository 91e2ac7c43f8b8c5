"""Fuzz the published OpenAPI document against the running mock: the two must agree.

Schemathesis (``st run --checks all``) generates requests from the document,
valid and invalid, sends them over loopback to the app ``advisor-tui demo``
serves (``create_demo_app``: the mock backends and the real actions service,
all five), and fails on any 5xx, undocumented
status, header or body that does not match the schema, schema-valid request
refused or invalid one accepted, or ``Allow`` header that lists the wrong
methods. The number of examples and the seed are fixed, so a run is bounded
(about 2,000 requests) and repeatable; a failure prints the curl command
that reproduces it.

The admin operations (fault injection) run against a server of their own: a
fuzzed ``PUT /admin/faults`` switches on hangs and errors, which would fail
every backend call that came after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import BackgroundServer

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES_PER_OPERATION = 20
SEED = 11
RUN_LIMIT_S = 600
"""A deadline for a wedged run, not a speed goal: an idle 2-core machine takes ~15 s."""

pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")


def run_schemathesis(base_url: str, tmp_path: Path, *selection: str) -> str:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",
        # Generous: a busy CI machine must not turn slowness into a failure.
        "--request-timeout",
        "30",
        "--header",
        "Authorization: Bearer demo-supervisor",
        *selection,
    ]
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=tmp_path,  # anything schemathesis writes stays out of the tree
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_S,
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = [line for line in output.splitlines() if "passed" in line or "Test cases" in line]
    print(f"schemathesis {selection}: {time.monotonic() - started:.1f}s", *summary, sep="\n")
    return output


def test_backends_answer_as_their_published_document_says(tmp_path: Path) -> None:
    with BackgroundServer(create_demo_app(load_state())) as server:
        run_schemathesis(server.base_url, tmp_path, "--exclude-tag", "admin")


def test_fault_injection_admin_answers_as_documented(tmp_path: Path) -> None:
    with BackgroundServer(create_demo_app(load_state())) as server:
        run_schemathesis(server.base_url, tmp_path, "--include-tag", "admin")
