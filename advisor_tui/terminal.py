"""The terminal driver: Textual's, except that a terminal gone for good ends the app.

Advisors work over SSH. When a connection drops and the app is not sent SIGHUP
(it runs under ``make``, a wrapper script, ``nohup``, or a shell set not to pass
hangups on), its terminal's input is at end of file: every read returns at once
with nothing. Textual's input thread (8.2, ``LinuxDriver.run_input_thread``)
takes that for "no input yet" and reads again, forever: an orphaned app at 100%
of a core, its decision log and delivery loop still open, seen here after a
closed tmux (Textual pull request #6690 reports the same; not merged yet).

``HangupAwareDriver`` runs the same loop and, on end of file, ends the app as
``ctrl+q`` does (delivery stopped, the log closed; every decision is already
kept on disk), with return code ``TERMINAL_GONE``. Only the POSIX driver has the
loop: on Windows, and in a browser (textual-serve's driver), Textual's own
driver runs unchanged. ``tests/test_terminal.py`` checks that Textual's loop is
still the one this copies, so an upgrade is a prompt to look again.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

TERMINAL_GONE = 129
"""The return code when the terminal went away: 128 + SIGHUP, as a shell reports a
program the hangup ended."""


class HangupAwareDriver(LinuxDriver):
    """``LinuxDriver`` whose input thread ends the app when its input is at end of file."""

    def run_input_thread(self) -> None:
        """Textual's loop (wait for input, parse it, post the events), which stops
        and asks the app to exit once a read returns nothing: the terminal is gone."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> bool:
            """Feed what is ready to the parser; False once the input has ended."""
            for last, (_key, mask) in loop_last(events):
                if mask & selectors.EVENT_READ:
                    data = os.read(fileno, 1024 * 4)
                    if not data:
                        return False
                    for event in parser.feed(decode(data, final=final and last)):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)
            return True

        try:
            while not self.exit_event.is_set():
                if not process(selector.select(0.1)):
                    self._app.call_later(self._app.exit, return_code=TERMINAL_GONE)
                    return
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
