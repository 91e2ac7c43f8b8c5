"""Advisor screen figures, in one run against the mock backends on loopback.

Prints:
- time to full screen with backend latencies identity 100 / customers 200 /
  faults 300 / actions 400 ms, and its ratio to the slowest backend's own
  answer, each panel's call timed alone first (goal <= 1.2: the panels load at
  once, so the screen takes about the slowest answer, never their sum);
- for the 100,000-event customer: time from the first history page's response
  to its rows being on screen (goal <= 100 ms) and RSS after paging (goal <= 150 MB);
- key-press to repaint while a panel is still loading (p50 / p95): switching
  panels with 1-4, and typing and moving between fields in the decision form.

The mock backends run in a process of their own, as every deployed backend does
(``advisor-tui mock serve`` or the real services): the app's process does only the
app's work. Served from a thread of the benchmark's own process (``--in-process``,
how this benchmark first ran) the mock's request handling competed with the app
for the interpreter lock and its garbage set off collections whose 20-50 ms
pauses landed in the app's key figures: a cost no advisor's screen pays.

Cold start is ``benchmarks/cold_start.py``: the live app against a bare Textual
app, in fresh interpreters, as an advisor starts it.

Run: ``python benchmarks/advisor_screen.py`` (``make bench`` runs every benchmark);
``--quick`` does one round of each, a smoke test whose figures are not judged;
``--in-process`` serves the mock from a thread of this process instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from pydantic import SecretStr
from textual import events
from textual._compositor import Compositor

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends
from advisor_tui.config import Settings
from advisor_tui.contract import Backend, DecisionKind, FaultSpec
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import BackgroundServer
from advisor_tui.mock.state import MockState
from advisor_tui.screens.decision_form import DecisionForm
from advisor_tui.session import RunKind, RunMode, Session
from advisor_tui.widgets import ActionsPanel, BackendPanel, HistoryPanel

PANELS = ("customer", "history", "faults", "actions")
LATENCIES = {
    Backend.IDENTITY: 100,
    Backend.CUSTOMERS: 200,
    Backend.FAULTS: 300,
    Backend.ACTIONS: 400,
}
ROUNDS = {"full screens": 5, "history opens": 5, "pages": 20, "keys": 25}
"""How many of each measurement; --quick sets every one to 1. The keys' p95 needs
the most: with 10 rounds (40 panel keys) it was the second-slowest key, and one
stray repaint moved it by several milliseconds from run to run."""
SETTLE_S = 0.15
"""A key's repaints are over once the screen has not repainted for this long; the
key's figure is the time to its *last* repaint. A key's effects do not all land in one
frame: Textual routes each widget's repaint through that widget's message queue and
then the screen's, and its 60 Hz frame timer sleeps to the next frame when a repaint
request misses the current one. Until the decision-form scenario was added this
benchmark stopped at the first repaint after the key's action (which could leave a
panel border for the next frame) and posted the next key within a millisecond of it
(so each key also waited for the frame timer: a ~16 ms floor no person's key meets)."""
BIG_ACCOUNT = "9100 4477 21"
OUTAGE = "@ballantyne70"

MOCK_CHILD = r"""
import json, sys
from advisor_tui.contract import Backend, FaultSpec
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import BackgroundServer
state = load_state()
with BackgroundServer(create_demo_app(state)) as server:
    print(server.base_url, flush=True)
    for line in sys.stdin:  # {"faults": 30000}: that backend's latency from now on
        for backend, latency_ms in json.loads(line).items():
            state.faults[Backend(backend)] = FaultSpec(latency_ms=latency_ms)
        print("ok", flush=True)
"""


class Mock(Protocol):
    """The mock backends, wherever they run: their URL and their latencies."""

    base_url: str

    def set_latency(self, latencies: Mapping[Backend, int]) -> None: ...


class InProcessMock:
    def __init__(self, base_url: str, state: MockState) -> None:
        self.base_url = base_url
        self.state = state

    def set_latency(self, latencies: Mapping[Backend, int]) -> None:
        self.state.faults.update({b: FaultSpec(latency_ms=ms) for b, ms in latencies.items()})


class ChildProcessMock:
    def __init__(self, child: subprocess.Popen[str], base_url: str) -> None:
        self.child = child
        self.base_url = base_url

    def set_latency(self, latencies: Mapping[Backend, int]) -> None:
        stdin: IO[str] | None = self.child.stdin
        stdout: IO[str] | None = self.child.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps({b.value: ms for b, ms in latencies.items()}) + "\n")
        stdin.flush()
        if stdout.readline().strip() != "ok":
            raise RuntimeError("the mock process did not take the new latencies")


@contextmanager
def mock_backends(*, in_process: bool) -> Iterator[Mock]:
    if in_process:
        state = load_state()
        with BackgroundServer(create_demo_app(state)) as server:
            yield InProcessMock(server.base_url, state)
        return
    child = subprocess.Popen(
        [sys.executable, "-c", MOCK_CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        base_url = child.stdout.readline().strip()
        if not base_url.startswith("http"):
            raise RuntimeError(f"the mock process did not start (exit {child.wait()})")
        yield ChildProcessMock(child, base_url)
    finally:
        if child.stdin is not None:
            child.stdin.close()  # the child's loop ends, and the server with it
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_app(base_url: str, *, slow_backend: bool = False) -> AdvisorApp:
    settings = Settings(token=SecretStr("demo-advisor"))
    if slow_backend:
        # The key figures are taken while a panel loads: its call must outlast
        # the keys (tens of seconds), not time out after the default 5 s.
        timeouts = settings.timeouts.model_copy(update={"read": 120.0})
        settings = settings.model_copy(update={"timeouts": timeouts})
    backends = Backends.from_settings(settings, base_url=base_url)
    return AdvisorApp(Session(backends=backends, mode=RunMode(RunKind.TEST, "benchmark")))


async def wait_until(pilot: Any, done: Any, limit: float = 30.0) -> float:
    start = time.perf_counter()
    while not done():
        if time.perf_counter() - start > limit:
            raise TimeoutError("screen did not settle")
        await asyncio.sleep(0.002)
    return time.perf_counter() - start


async def open_customer(app: AdvisorApp, pilot: Any, query: str) -> None:
    screen: Any = app.screen
    result = await app.session.backends.customers.search(query)
    screen.open_customer(result.matches[0])


def all_ready(app: AdvisorApp) -> bool:
    return all(app.screen.query_one(f"#{p}", BackendPanel).state == "ready" for p in PANELS)


async def own_answers(app: AdvisorApp, customer_id: str) -> tuple[float, float]:
    """The slowest of the four panels' calls made one at a time, without the
    screen: the customers, history, faults and actions backends' own answers.
    (The actions service asks customers and faults itself before it answers,
    so its answer takes its own latency plus theirs: the slowest is that, not
    the 400 ms set on it.) Returns the slowest and the sum."""
    session = app.session
    calls = (
        lambda: session.profile(customer_id),
        lambda: session.history(customer_id, limit=50),
        lambda: session.fault_status(customer_id),
        lambda: session.next_actions(customer_id),
    )
    took = []
    for call in calls:
        start = time.perf_counter()
        await call()
        took.append(time.perf_counter() - start)
    return max(took), sum(took)


async def full_screen(mock: Mock) -> tuple[list[float], list[float], list[float]]:
    mock.set_latency(LATENCIES)
    app = make_app(mock.base_url)
    times: list[float] = []
    slowest: list[float] = []
    summed: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        for _ in range(ROUNDS["full screens"]):
            summary = (await app.session.backends.customers.search(OUTAGE)).matches[0]
            one, every = await own_answers(app, summary.id)
            slowest.append(one)
            summed.append(every)
            screen: Any = app.screen
            start = time.perf_counter()
            screen.open_customer(summary)
            await pilot.pause()
            await wait_until(pilot, lambda: all_ready(app))
            times.append(time.perf_counter() - start)
    mock.set_latency(dict.fromkeys(Backend, 0))
    return times, slowest, summed


async def big_history(base_url: str) -> tuple[list[float], float, int]:
    app = make_app(base_url)
    after_response: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        history = app.screen.query_one(HistoryPanel)
        original_show = history.show

        def timed_show(page: Any) -> None:
            # The worker finished (response parsed) just before this call;
            # measure until the rows are in the table and painted.
            start = time.perf_counter()
            original_show(page)
            app.call_after_refresh(lambda: after_response.append(time.perf_counter() - start))

        history.show = timed_show  # type: ignore[method-assign]
        for _ in range(ROUNDS["history opens"]):
            await open_customer(app, pilot, BIG_ACCOUNT)
            await wait_until(pilot, lambda: history.state == "ready")
            await pilot.pause()
        table = history.query_one("#history-table")
        for _ in range(ROUNDS["pages"]):  # scroll through more pages
            table.move_cursor(row=len(history.events) - 1)  # type: ignore[attr-defined]
            await pilot.pause()
            await wait_until(pilot, lambda: not any(w.is_running for w in history.workers))
        return after_response, rss_mb(), len(history.events)


FORM_KEYS = ["tab", "shift+tab", "n", "o", "t", "e", "backspace"]
"""Per round in the decision form: to the next field and back, then typing in the note."""
KEY_CHARACTERS = {"tab": "\t", "shift+tab": None, "backspace": "\x7f"}


class Paints:
    """When any screen's compositor last wrote an update (headless: computed, not sent)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._original = Compositor.render_update

    def __enter__(self) -> Paints:
        original = self._original

        def timed(compositor: Compositor, *args: Any, **kwargs: Any) -> Any:
            update = original(compositor, *args, **kwargs)
            if update is not None:
                self.times.append(time.perf_counter())
            return update

        Compositor.render_update = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Compositor.render_update = self._original  # type: ignore[method-assign]


QUIET_S = 0.6
"""The keys start once the screen has not repainted for this long: longer than the
status bar's half-second poll, which shows the backend calls that just ended (the
panels' lights) up to 0.5 s after they end. Without this wait that repaint landed
in the first key's window and was counted as the key's (40-90 ms, once a run)."""


async def quiet_screen(seconds: float, limit: float = 10.0) -> None:
    """Wait until no screen has repainted for ``seconds``."""
    with Paints() as paints:
        start = last = time.perf_counter()
        while (now := time.perf_counter()) - last < seconds:
            if now - start > limit:
                raise TimeoutError(f"the screen still repaints after {limit:.0f} s")
            await asyncio.sleep(0.01)
            if paints.times:
                last = paints.times[-1]


async def timed_keys(
    app: AdvisorApp, keys: list[str], check: Any, *, idle_check: bool = True
) -> list[float]:
    """Each key posted as the terminal driver would -> the last repaint it caused.

    Pilot.press() adds its own settling waits (~300 ms), so keys are posted
    directly and repaints observed: after a key, the screen is watched until it
    has not repainted for SETTLE_S, and the key's figure is the time to its last
    repaint. ``check()`` runs before each key (the panel still loading). With
    ``idle_check``, says so if the screen still repaints after the last key with
    no key pressed (the figures would then include repaints the keys did not
    cause). A focused text box's blinking cursor repaints twice a second, but
    typing and focusing restart its blink, so none lands within SETTLE_S.
    """
    times: list[float] = []
    with Paints() as paints:
        for key in keys:
            check()
            paints.times.clear()
            start = time.perf_counter()
            app.post_message(events.Key(key, KEY_CHARACTERS.get(key, key)))
            while True:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                after = [t for t in paints.times if t > start]
                if after and now - after[-1] >= SETTLE_S:
                    break
                if now - start > 10:
                    raise RuntimeError(f"key {key!r}: no repaint, or no end to repaints, in 10 s")
            times.append(after[-1] - start)
        if idle_check:
            paints.times.clear()
            await asyncio.sleep(SETTLE_S)
            if paints.times:
                print(
                    f"note: {len(paints.times)} repaint(s) with no key pressed after the keys; "
                    "the key figures may include repaints they did not cause"
                )
    return times


async def keypress_while_loading(mock: Mock) -> list[float]:
    """1-4 (switch panel) posted -> the last repaint it caused, while a panel loads."""
    mock.set_latency({Backend.FAULTS: 30_000})
    app = make_app(mock.base_url, slow_backend=True)
    times: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await open_customer(app, pilot, OUTAGE)
        screen: Any = app.screen
        # The other panels land first (Next actions gives up waiting for the
        # slow faults backend after a few seconds): their paint is not a key's.
        others = [screen.query_one(f"#{p}", BackendPanel) for p in PANELS if p != "faults"]
        await wait_until(pilot, lambda: all(p.state in ("ready", "error") for p in others))
        await pilot.pause()
        await quiet_screen(QUIET_S)
        faults = screen.query_one("#faults", BackendPanel)

        def still_loading() -> None:
            assert faults.state == "loading"

        times = await timed_keys(app, ["1", "2", "3", "4"] * ROUNDS["keys"], still_loading)
    mock.set_latency({Backend.FAULTS: 0})
    return times


async def keypress_in_decision_form(mock: Mock) -> list[float]:
    """A key in an override form (Tab, typing) -> the last repaint it caused, while
    the History panel loads behind the form."""
    app = make_app(mock.base_url, slow_backend=True)
    times: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await open_customer(app, pilot, OUTAGE)
        screen: Any = app.screen
        await wait_until(pilot, lambda: all_ready(app) and screen.advisor is not None)
        # From now on the customers backend answers in 30 s: History loads
        # behind the form the whole time.
        mock.set_latency({Backend.CUSTOMERS: 30_000})
        history = screen.query_one("#history", BackendPanel)
        history.action_retry()
        screen.action_show_panel("actions")
        await pilot.pause()
        # Opened as the o key does once past its checks (this app keeps no
        # decision store, so the key itself would stop at "cannot be kept").
        actions = screen.query_one(ActionsPanel).actions
        action = next((a for a in actions if any(p.editable for p in a.parameters)), actions[0])
        screen.open_decision_form(screen.current.id, action, DecisionKind.OVERRIDE)
        await wait_until(pilot, lambda: isinstance(app.screen, DecisionForm))
        form: Any = app.screen
        await pilot.pause()
        form.query_one("#free_text").focus()
        await pilot.pause()

        def still_loading() -> None:
            assert history.state == "loading"

        times = await timed_keys(app, FORM_KEYS * ROUNDS["keys"], still_loading, idle_check=False)
    mock.set_latency({Backend.CUSTOMERS: 0})
    return times


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def percentiles(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
    return (
        f"p50 {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"over {len(values)} keys (goal p95 <= 16.7 ms, a frame at 60 Hz)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one round of each: a smoke test")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="serve the mock backends from a thread of this process (not as deployed)",
    )
    args = parser.parse_args()
    if args.quick:
        ROUNDS.update(dict.fromkeys(ROUNDS, 1))
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    where = "in this process" if args.in_process else "in a process of their own"
    print(f"mock backends {where}")
    with mock_backends(in_process=args.in_process) as mock:
        full, slowest, summed = asyncio.run(full_screen(mock))
        ratio = statistics.median(full) / statistics.median(slowest)
        in_turn = statistics.median(summed) / statistics.median(slowest)
        print(
            f"full screen with latencies 100/200/300/400 ms: {ms(full)}; the slowest "
            f"backend's own answer {ms(slowest)} (actions: its 400 ms after its own calls "
            f"to customers and faults); ratio {ratio:.2f} (goal <= 1.2; the four answers "
            f"one after another: {in_turn:.2f})"
        )
        after, rss, loaded = asyncio.run(big_history(mock.base_url))
        print(
            f"100k-event customer, first history page response -> on screen: {ms(after)} "
            f"(goal <= 100 ms)"
        )
        print(f"RSS after paging to {loaded:,} events: {rss:.0f} MB (goal <= 150 MB)")
        keys = asyncio.run(keypress_while_loading(mock))
        print(f"key-press (1-4) to repaint while the faults panel loads: {percentiles(keys)}")
        form = asyncio.run(keypress_in_decision_form(mock))
        print(f"key-press to repaint in the decision form while History loads: {percentiles(form)}")


if __name__ == "__main__":
    main()
