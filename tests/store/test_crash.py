"""Crash test: nothing the screen called recorded is lost, nothing reaches the server twice.

A recorder subprocess (crash_recorder.py) records 1,000 decisions into a local
store while its outbox delivers them to the mock decisions backend, itself a
subprocess (crash_server.py) with its ledger in SQLite. Meanwhile the backend
flaps: 500s, hangs, slow answers, answers cut short after the decision was
stored, and SIGKILL restarts. The recorder is SIGKILLed at random moments (a
fixed seed picks them) and started again. At the end a `decisions sync` must
deliver whatever is left, the server must hold each of the 1,000 exactly once,
and `decisions verify` must pass.

Runs in the normal suite, in about 20-30 s.
"""

from __future__ import annotations

import io
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from advisor_tui.clients import DecisionsClient, RetryPolicy
from advisor_tui.contract import FaultSpec
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger as DecisionLedger
from advisor_tui.store.cli import EXIT_OK, cmd_sync, cmd_verify
from advisor_tui.store.decisions import DecisionStore, DeliveryStatus

HERE = Path(__file__).parent
TOTAL = 1000
KILLS = 6
SEED = 20250612
TOKEN = "demo-advisor"
ADVISOR = "adv-sam-carter"
# How long the recorder may go on delivering on its own, from the start, before
# `decisions sync` takes over: it bounds the test's length on a quiet machine,
# and is no goal (a busy CI machine takes longer; the test waits for what it
# checks, however long that takes, up to the deadlines below).
DELIVERY_BUDGET_S = 45.0
START_DEADLINE_S = 60.0
RECORD_DEADLINE_S = 300.0

# What the backend does next, and how often (weights): the flapping schedule.
FLAPS: list[tuple[str, FaultSpec | None, int]] = [
    ("healthy", FaultSpec(), 4),
    ("errors", FaultSpec(error_rate=0.5), 2),
    ("hang", FaultSpec(hang=True), 1),
    ("slow", FaultSpec(latency_ms=150, jitter_ms=100), 1),
    # The app runs and stores the decision, then the answer is cut short.
    ("garbled", FaultSpec(malformed_json=True), 1),
    ("restart", None, 2),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Backend:
    port: int
    db: Path
    log: IO[bytes]
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "crash_server.py"), str(self.port), str(self.db)],
            stdout=self.log,
            stderr=self.log,
        )
        # Generous: a busy 2-core CI machine can take many seconds to start it.
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/decisions/v1/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None, "mock server exited during start-up"
            time.sleep(0.05)
        raise TimeoutError("mock server did not come up")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.kill()
        self.restarts += 1
        self.start()

    def set_fault(self, spec: FaultSpec) -> None:
        try:
            httpx.put(
                f"{self.url}/admin/faults/decisions",
                json=spec.model_dump(mode="json"),
                timeout=1.0,
            )
        except httpx.HTTPError:
            pass  # down for a restart: it comes back healthy anyway

    def heal(self) -> None:
        """No fault from now on, for certain: a heal lost to a slow answer (a busy
        machine) would leave the backend hung or failing for the final sync."""
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            try:
                response = httpx.put(f"{self.url}/admin/faults/decisions", json={}, timeout=10)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the backend could not be healed")
            time.sleep(0.05)


@dataclass
class Recorder:
    store: Path
    backend_url: str
    log: IO[bytes]
    proc: subprocess.Popen[str] | None = None
    recorded: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    all_recorded: threading.Event = field(default_factory=threading.Event)
    starts: int = 0
    _reader: threading.Thread | None = None

    def start(self) -> None:
        self.starts += 1
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "crash_recorder.py"),
                str(self.store),
                self.backend_url,
                TOKEN,
                ADVISOR,
                str(TOTAL),
            ],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self._reader.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            word, _, rest = line.strip().partition(" ")
            if word == "recorded":
                self.recorded.append(rest)
            elif line.startswith("all recorded"):
                self.all_recorded.set()
            elif line.startswith("all delivered"):
                self.done.set()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self._reader is not None:
            self._reader.join(5)
        self.proc = None


class Flapper(threading.Thread):
    """Changes what the backend does every few hundred milliseconds."""

    def __init__(self, backend: Backend, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.backend = backend
        self.rng = rng
        self.stop = threading.Event()
        self.history: list[str] = []

    def run(self) -> None:
        names = [f[0] for f in FLAPS]
        weights = [f[2] for f in FLAPS]
        specs = {f[0]: f[1] for f in FLAPS}
        while not self.stop.wait(self.rng.uniform(0.2, 0.6)):
            name = self.rng.choices(names, weights)[0]
            self.history.append(name)
            spec = specs[name]
            if spec is None:
                self.backend.restart()
            else:
                self.backend.set_fault(spec)
        self.backend.heal()


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    with (tmp_path / "server.log").open("wb") as log:
        b = Backend(port=free_port(), db=tmp_path / "server-decisions.sqlite3", log=log)
        b.start()
        try:
            yield b
        finally:
            b.kill()


def server_ids(base_url: str) -> list[str]:
    """Every decision the server holds for the advisor, paged over HTTP."""
    ids: list[str] = []
    cursor: str | None = None
    with httpx.Client(base_url=f"{base_url}/decisions", timeout=5.0) as http:
        while True:
            params: dict[str, str | int] = {"advisor_id": ADVISOR, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = http.get(
                "/v1/decisions", params=params, headers={"Authorization": f"Bearer {TOKEN}"}
            ).json()
            ids += [item["decision"]["id"] for item in page["items"]]
            cursor = page.get("next_cursor")
            if not cursor:
                return ids


def test_sigkill_while_the_backend_flaps_loses_nothing_and_doubles_nothing(
    tmp_path: Path, backend: Backend
) -> None:
    rng = random.Random(SEED)
    store_path = tmp_path / "advisor" / "decisions.sqlite3"
    started = time.monotonic()
    with (tmp_path / "recorder.log").open("wb") as recorder_log:
        recorder = Recorder(store_path, backend.url, recorder_log)
        flapper = Flapper(backend, random.Random(SEED + 1))
        flapper.start()
        recorder.start()
        try:
            kills = 0
            kill_points: list[int] = []
            # Kill points spread over the recording, each a few milliseconds past a
            # seeded count so it lands inside an append or a delivery (the outbox
            # runs all along), never in a start-up. None near the end, so the
            # recorder cannot finish before the last kill.
            targets = sorted(rng.sample(range(20, TOTAL - 50), KILLS))
            for target in targets:
                if not _wait_recorded(recorder, target, RECORD_DEADLINE_S):
                    break
                if recorder.done.wait(rng.uniform(0.0, 0.03)):
                    break
                recorder.kill()
                kills += 1
                kill_points.append(len(recorder.recorded))
                recorder.start()
            # Let it finish recording, however long a busy machine takes (the
            # checks below need every decision recorded), then delivering while
            # the backend flaps, up to a point; `decisions sync` does the rest.
            recorder.all_recorded.wait(RECORD_DEADLINE_S)
            recorder.done.wait(max(1.0, DELIVERY_BUDGET_S - (time.monotonic() - started)))
        finally:
            flapper.stop.set()
            flapper.join(30)
            recorder.kill()

    assert kills == KILLS, f"the recorder finished before all {KILLS} kills"
    assert len(recorder.recorded) >= TOTAL - KILLS, "every start records until TOTAL"

    def client() -> DecisionsClient:
        return DecisionsClient(f"{backend.url}/decisions", token=TOKEN, retry=RetryPolicy())

    out, err = io.StringIO(), io.StringIO()
    assert cmd_sync(store_path, client, out, err=err) == EXIT_OK, out.getvalue() + err.getvalue()

    with DecisionStore(store_path) as store:
        local = list(store.iter_all())
    local_ids = [r.id for r in local]
    assert len(local_ids) == TOTAL == len(set(local_ids))
    assert all(r.status is DeliveryStatus.DELIVERED for r in local)
    # Every id the recorder announced as recorded survived its kill.
    assert set(recorder.recorded) <= set(local_ids)

    on_server = server_ids(backend.url)
    assert len(on_server) == TOTAL, f"server holds {len(on_server)}"
    assert set(on_server) == set(local_ids)
    # The server's chain numbers each decision once, in the order delivered,
    # and delivery kept the advisor's order through every kill and restart:
    # one advisor, one fresh server, so its chain and ours are the same chain.
    assert [r.server_sequence for r in local] == list(range(1, TOTAL + 1))
    assert all(r.server_hash == r.hash for r in local)
    backend.kill()
    with DecisionLedger(backend.db) as ledger:
        assert ledger.verify_chain(ADVISOR) is None
        assert ledger.chain_head(ADVISOR).head_hash == local[-1].hash

    out = io.StringIO()
    assert cmd_verify(store_path, out) == EXIT_OK, out.getvalue()

    elapsed = time.monotonic() - started
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    replays = server_log.count('"POST /decisions/v1/decisions HTTP/1.1" 200')
    print(
        f"\ncrash test: recorder SIGKILLed after {kill_points} announced decisions, "
        f"{backend.restarts} backend restarts, flaps {dict(_count(flapper.history))}, "
        f"{replays} replays answered 200 by the server, {elapsed:.1f} s"
    )


def _count(names: list[str]) -> Iterator[tuple[str, int]]:
    for name in sorted(set(names)):
        yield name, names.count(name)


def _wait_recorded(recorder: Recorder, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while len(recorder.recorded) < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True
