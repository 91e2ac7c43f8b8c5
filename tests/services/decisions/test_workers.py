"""``serve decisions --workers 2`` as a real process on PostgreSQL: concurrent
decisions from several advisors, each also sent twice at once (a retry racing
its original), spread over both worker processes by the kernel. Per-advisor
sequences have no gap or duplicate, every link holds, every replay got the
original's receipt, and the access log (each line names its worker) shows both
workers served decisions. Skipped with the reason when PostgreSQL is not
configured, like the other PostgreSQL tests.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from advisor_tui.contract import (
    GENESIS_HASH,
    Advisor,
    ChainAuditPage,
    ChainHead,
    ChainLinkPage,
    Decision,
    DecisionReceipt,
    chain_hash,
    routes,
)
from advisor_tui.mock.tokens import DemoTokenIssuer
from tests.services.decisions.builders import SAM, make_decision, many_advisors
from tests.services.decisions.conftest import empty_postgres

ADVISORS = many_advisors(8, prefix="adv-w")
PER_ADVISOR = 6
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """``advisor-tui serve decisions`` in a subprocess, its log in a file."""

    def __init__(self, database: str, tmp_path: Path, issuer: DemoTokenIssuer) -> None:
        jwks = tmp_path / "jwks.json"
        jwks.write_text(issuer.jwks(), encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "service.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from advisor_tui.cli import main; sys.exit(main())",
                "serve",
                "decisions",
                "--database",
                database,
                "--workers",
                "2",
                "--pool-size",
                "3",
                "--port",
                str(self.port),
                "--jwks",
                str(jwks),
                "--audience",
                issuer.audience,
                "--issuer",
                issuer.issuer,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_TUI_DECISIONS")},
        )

    def wait_healthy(self) -> None:
        """Until both workers answer health (each logs its start before serving)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the service exited:\n{self.log()}"
            if len(self.started_workers()) == 2:
                try:
                    if httpx.get(self.url + routes.HEALTH, timeout=1.0).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)  # a poll interval, not a wait for something to happen
        raise TimeoutError(f"the service did not come up:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def started_workers(self) -> set[int]:
        found = re.findall(r"\[pid (\d+)\] Application startup complete", self.log())
        return {int(pid) for pid in found}

    def workers_that_recorded(self) -> set[int]:
        return {
            int(pid)
            for pid in re.findall(
                r"\[pid (\d+)\] [\d.:]+ - \"POST /v1/decisions HTTP/1.1\" 20[01]", self.log()
            )
        }

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


@pytest.fixture
def service(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Service, DemoTokenIssuer]]:
    empty_postgres(postgres_url)
    issuer = DemoTokenIssuer()
    running = Service(postgres_url, tmp_path, issuer)
    try:
        running.wait_healthy()
        yield running, issuer
    finally:
        running.stop()


def decision_for(advisor: Advisor, i: int) -> Decision:
    d = make_decision(advisor, minutes_ago=600 - i)
    return d.model_copy(update={"id": str(ULID.from_datetime(d.decided_at))})


async def test_two_worker_processes_keep_every_chain_whole_and_every_replay_answered(
    service: tuple[Service, DemoTokenIssuer],
) -> None:
    running, issuer = service
    tokens = {a.id: issuer.issue(a) for a in [*ADVISORS, SAM]}
    # A new connection per request, so the kernel hands requests to both workers.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=running.url, limits=limits, timeout=30.0) as client:

        async def send(d: Decision, advisor: Advisor, after: ChainHead) -> httpx.Response:
            return await client.post(
                routes.DECISIONS,
                content=d.model_dump_json(),
                headers={
                    "Authorization": f"Bearer {tokens[advisor.id]}",
                    "Content-Type": "application/json",
                    routes.IDEMPOTENCY_HEADER: d.id,
                    routes.CHAIN_SEQUENCE_HEADER: str(after.count + 1),
                    routes.CHAIN_PREV_HEADER: after.head_hash,
                },
            )

        async def advisor_run(advisor: Advisor) -> list[tuple[Decision, DecisionReceipt]]:
            head = ChainHead(advisor_id=advisor.id, count=0, head_hash=GENESIS_HASH)
            sent = []
            for i in range(PER_ADVISOR):
                d = decision_for(advisor, i)
                a, b = await asyncio.gather(send(d, advisor, head), send(d, advisor, head))
                # One stored it, the other was answered as a replay, with the same receipt.
                assert sorted([a.status_code, b.status_code]) == [200, 201], (a.text, b.text)
                assert a.json() == b.json()
                receipt = DecisionReceipt.model_validate(a.json())
                head = ChainHead(
                    advisor_id=advisor.id, count=receipt.sequence, head_hash=receipt.hash
                )
                sent.append((d, receipt))
            # A late replay of the first decision (the client's outbox retrying).
            late = await send(
                sent[0][0],
                advisor,
                ChainHead(advisor_id=advisor.id, count=0, head_hash=GENESIS_HASH),
            )
            assert (
                late.status_code == 200
                and DecisionReceipt.model_validate(late.json()) == sent[0][1]
            )
            return sent

        runs = await asyncio.gather(*(advisor_run(a) for a in ADVISORS))

        supervisor = {"Authorization": f"Bearer {tokens[SAM.id]}"}
        for advisor, sent in zip(ADVISORS, runs, strict=True):
            links = await client.get(
                routes.CHAIN_LINKS.format(advisor_id=advisor.id), headers=supervisor
            )
            assert links.status_code == 200, links.text
            page = ChainLinkPage.model_validate(links.json()).items
            # No gap, no duplicate: exactly 1..N, in the order the advisor sent them.
            assert [link.sequence for link in page] == list(range(1, PER_ADVISOR + 1))
            assert [link.id for link in page] == [d.id for d, _ in sent]
            prev = GENESIS_HASH
            for (d, receipt), link in zip(sent, page, strict=True):
                assert link.prev_hash == prev and link.hash == chain_hash(prev, d) == receipt.hash
                prev = link.hash
        audit = await client.get(routes.AUDIT, params={"limit": 100}, headers=supervisor)
        assert audit.status_code == 200, audit.text
        items = ChainAuditPage.model_validate(audit.json()).items
        assert {i.advisor_id for i in items} == {a.id for a in ADVISORS}
        assert all(i.first_broken is None and i.count == PER_ADVISOR for i in items)
        assert all(i.refused_links == 0 for i in items)

    workers = running.started_workers()
    assert len(workers) == 2, running.log()
    assert running.workers_that_recorded() == workers, running.log()
