"""The advisor screen in a real browser: headless Chromium through ``advisor-tui web``.

Debian's Chromium (installed by ``.ci/run`` where missing) driven by Playwright
through ``executable_path``; Playwright never downloads a browser here. The
screen is drawn in canvases, so the test reads the xterm.js buffer: the page's
script is patched on its way in to keep a handle on the terminal.
A screenshot of the recorded decision is kept in ``build/test-artifacts/``.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_tui.web import free_port

CHROMIUM = os.environ.get("ADVISOR_TUI_TEST_CHROMIUM") or shutil.which("chromium") or ""
WAIT_MS = 60_000  # a busy 2-core machine starts an app process in seconds, not 60
_HOOK = "this.terminal.open(e),"
_SCREEN_JS = """() => {
  const term = window.__advisorTerm;
  if (!term) return "";
  const buffer = term.buffer.active, rows = [];
  for (let i = 0; i < term.rows; i++) {
    const line = buffer.getLine(i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def _browser_or_skip() -> None:
    if not CHROMIUM or not Path(CHROMIUM).exists():
        pytest.skip("no Chromium on this machine (apt-get install chromium; .ci/run does)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _wait_for_port(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"advisor-tui web exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"advisor-tui web did not listen on {port}")


@pytest.fixture
def web_server() -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    _browser_or_skip()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "advisor_tui", "web", "--port", str(port), "--max-sessions", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, server)
        yield port, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)


def _websocket_status(port: int, origin: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "GET",
        "/ws",
        headers={
            "Origin": origin,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def test_outage_customer_and_an_accept_in_the_browser(
    web_server: tuple[int, subprocess.Popen[bytes]], pytestconfig: pytest.Config
) -> None:
    from playwright.sync_api import Route, sync_playwright

    port, server = web_server
    artifacts = pytestconfig.rootpath / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)

    def expose_terminal(route: Route) -> None:
        response = route.fetch()
        script = response.text()
        assert _HOOK in script, "textual-serve's page script changed: update the hook"
        patched = script.replace(_HOOK, _HOOK + "window.__advisorTerm=this.terminal,")
        route.fulfill(response=response, body=patched)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            # The page asks for a web font; this machine (and a locked-down desk) has no internet.
            context.route("https://fonts.googleapis.com/**", lambda route: route.abort())
            context.route("https://fonts.gstatic.com/**", lambda route: route.abort())
            context.route("**/static/js/textual.js", expose_terminal)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")

            def wait_for(*texts: str) -> str:
                page.wait_for_function(
                    "([read, texts]) => { const s = eval(read)(); "
                    "return texts.every(t => s.includes(t)); }",
                    arg=[_SCREEN_JS, list(texts)],
                    timeout=WAIT_MS,
                )
                return str(page.evaluate(_SCREEN_JS))

            wait_for("Account, phone, email", "Customer", "Next actions")
            # The one session allowed is in use; another page may not start one.
            assert _websocket_status(port, f"http://127.0.0.1:{port}") == 503
            assert _websocket_status(port, "http://evil.example") == 403

            page.evaluate("window.__advisorTerm.focus()")
            page.keyboard.type("@ballantyne70")
            page.keyboard.press("Enter")
            screen = wait_for("Iain Ballantyne", "ETA moved 3 times", "compensation", "£")
            for title in ("1 Customer", "2 History", "3 Faults", "4 Next actions"):
                assert title in screen
            assert "do not quote" in screen

            page.keyboard.press("Escape")
            page.keyboard.press("4")
            page.keyboard.press("a")
            wait_for("Accept:", "ctrl+s confirms")
            page.keyboard.press("Control+s")
            wait_for("Recorded: accept")
            shot = artifacts / "web-outage-accept.png"
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}")

            # A server killed outright leaves no advisor session running.
            sessions = _children(server.pid)
            assert sessions, "no app process found for the browser session"
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
            deadline = time.monotonic() + 30
            while not all(_gone(pid) for pid in sessions) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert all(_gone(pid) for pid in sessions), "orphaned app process"
        finally:
            browser.close()
