"""What the command groups share: the exit-2 error, argument types, the settings
as the CLI loads them, and where the local decision log lives."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor_tui.config import Settings, load_settings
from advisor_tui.contract import Role

DEMO_TOKENS = {role: f"demo-{role.value.replace('_', '-')}" for role in Role}


class UsageError(Exception):
    """Bad flags or config: exit status 2 with the message, never a traceback."""


def _port(text: str) -> int:
    """argparse type: a TCP port, or 0 for any free one."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (1-65535, or 0 for any free one)")
    return port


def _mock_url(text: str) -> str:
    """argparse type: the root URL of a mock-style server, e.g. http://127.0.0.1:8765."""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http(s) URL, e.g. http://127.0.0.1:8765"
        )
    return text


def _settings(args: argparse.Namespace, *, echo: bool = True, **overrides: Any) -> Settings:
    """The settings for a command; warnings go to stderr (unless ``echo`` is off:
    the app has the terminal) and to ``args.startup_warnings`` for the app."""
    overrides.setdefault("mock_url", getattr(args, "mock_url", None))
    settings, warnings = load_settings(args.config, **overrides)
    for warning in warnings if echo else ():
        print(f"warning: {warning}", file=sys.stderr)
    # The app's alternate screen hides stderr: it shows these again itself.
    args.startup_warnings = warnings
    return settings


def _store_path(settings: Settings, *, demo: bool) -> Path:
    from advisor_tui.store.decisions import default_store_path

    path = default_store_path(settings.data_dir)
    # The demo's decisions go to a log of their own, never mixed with live ones;
    # so do those made against a mock server (mock_url).
    if demo:
        return path.with_name(f"demo-{path.name}")
    if settings.mock_url is not None:
        return path.with_name(f"mock-{path.name}")
    return path
