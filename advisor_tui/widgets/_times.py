"""How a widget or screen finds the one display zone: from the running app's session."""

from __future__ import annotations

from textual.dom import DOMNode

from advisor_tui.formatting import LONDON, DisplayTime
from advisor_tui.session import Session


def display_time(node: DOMNode) -> DisplayTime:
    """The session's ``DisplayTime``; the default zone in an app without a session
    (a widget mounted on its own in a test)."""
    session = getattr(node.app, "session", None)
    return session.times if isinstance(session, Session) else LONDON
