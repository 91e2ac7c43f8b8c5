"""The crash test's victim: records decisions and delivers them, like the TUI does.

    python crash_recorder.py STORE BASE_URL TOKEN ADVISOR_ID TOTAL

Appends decisions to the local store until it holds TOTAL, printing
``recorded <id>`` only after ``append`` returned (the moment the screen would
say "recorded"), while the outbox delivers in the background. When everything
is recorded it keeps delivering and prints ``all delivered`` once nothing is
pending. test_crash.py kills it with SIGKILL at random moments and starts it
again; each start carries on from what the store holds.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import httpx
from decision_samples import make_decision

from advisor_tui.clients import DecisionsClient, RetryPolicy
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.store.outbox import DecisionOutbox, OutboxPolicy

# Short, so a hung backend costs half a second, not the default five.
TIMEOUT = httpx.Timeout(connect=0.5, read=0.5, write=0.5, pool=0.5)
CLIENT_RETRY = RetryPolicy(attempts=2, initial=0.02, maximum=0.05, jitter=0.0, total=1.0)
POLICY = OutboxPolicy(initial_backoff=0.05, max_backoff=0.4, idle_poll=0.5)
# Between decisions, so kills land while both recording and delivering.
PACE_S = 0.002


async def main(store_path: Path, base_url: str, token: str, advisor_id: str, total: int) -> None:
    store = DecisionStore(store_path)
    client = DecisionsClient(
        base_url.rstrip("/") + "/decisions", token=token, timeout=TIMEOUT, retry=CLIENT_RETRY
    )
    outbox = DecisionOutbox(store, client, POLICY)
    stop = asyncio.Event()
    delivery = asyncio.create_task(outbox.run(stop))

    status = await asyncio.to_thread(store.status)
    n = status.pending + status.delivered + status.rejected
    while n < total:
        record = await asyncio.to_thread(store.append, make_decision(n, advisor_id=advisor_id))
        print(f"recorded {record.id}", flush=True)
        outbox.notify()
        n += 1
        await asyncio.sleep(PACE_S)
    print("all recorded", flush=True)

    while (await asyncio.to_thread(store.pending_count)) > 0:
        await asyncio.sleep(0.05)
    print("all delivered", flush=True)
    stop.set()
    await delivery
    await client.aclose()
    store.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    path, url, tok, advisor, count = sys.argv[1:6]
    asyncio.run(main(Path(path), url, tok, advisor, int(count)))
