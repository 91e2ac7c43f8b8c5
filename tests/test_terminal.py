"""The app on a real terminal (a pseudo-terminal) that goes away under it."""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from textual.drivers.linux_driver import LinuxDriver

from advisor_tui.terminal import TERMINAL_GONE, HangupAwareDriver

TEXTUAL_INPUT_LOOP = "d796af6d"
"""The start of the SHA-256 of Textual's ``LinuxDriver.run_input_thread``, the loop
``HangupAwareDriver`` copies."""

# SIGHUP ignored (as under nohup, or a shell that does not pass hangups on), then the demo.
NO_HANGUP_SIGNAL = (
    "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, '-m', 'advisor_tui', 'demo', '--fresh'])"
)


def test_textuals_input_loop_is_still_the_one_copied() -> None:
    """If this fails, Textual's input loop changed: compare it with
    ``HangupAwareDriver.run_input_thread``, carry the change over (or drop the
    copy if Textual now stops on end of file: pull request #6690), then update
    the hash."""
    source = inspect.getsource(LinuxDriver.run_input_thread)
    assert hashlib.sha256(source.encode()).hexdigest()[:8] == TEXTUAL_INPUT_LOOP


def read_until(fd: int, wanted: bytes, limit: float) -> bytes:
    """What the app wrote to its terminal, up to and including ``wanted``."""
    seen = b""
    deadline = time.monotonic() + limit
    while wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{wanted!r} not written in {limit:.0f} s: {seen[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if ready:
            seen += os.read(fd, 65536)
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals only")
def test_the_app_ends_when_its_terminal_goes_away_without_a_hangup_signal(
    tmp_path: Path, no_advisor_env: None
) -> None:
    """An SSH connection dropped while the app runs under make or a wrapper: no
    SIGHUP, its terminal just gone. Textual alone reads the dead terminal forever
    at 100% of a core; the app ends instead, with 129 (128 + SIGHUP)."""
    assert HangupAwareDriver.__mro__[1] is LinuxDriver
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    app = subprocess.Popen(
        [sys.executable, "-c", NO_HANGUP_SIGNAL],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        # The advisor screen's search box is up: the app reads its terminal.
        read_until(master, b"postcode", limit=120)
        os.close(master)
        master = -1
        try:
            code = app.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail("the app still runs 120 s after its terminal went away")
        assert code == TERMINAL_GONE
    finally:
        if master >= 0:
            os.close(master)
        if app.poll() is None:
            app.kill()
            app.wait()
