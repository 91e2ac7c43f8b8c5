"""The ``advisor-tui`` command line.

With no subcommand it runs the app: against the configured backends, or, when
none are configured, against the embedded demo (mock backends with the seed
scenarios on loopback), and says so in its header.

One module per command group: ``app`` (run, demo), ``mock``, ``config``,
``decisions``, ``web`` and ``serve``; ``call`` lives with the scripting API
(``advisor_tui.scripting.call``). Heavy imports (the mock app, the services,
Textual) happen inside the commands, so ``--help`` and ``call`` start quickly.

Exit status: 0 ok, 1 operation failed, 2 bad usage or bad config.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor_tui import __version__
from advisor_tui.cli._httpx_cli import skip_httpx_command_line

if TYPE_CHECKING:
    from advisor_tui.cli._common import DEMO_TOKENS as DEMO_TOKENS
    from advisor_tui.cli._common import UsageError as UsageError

__all__ = ["DEMO_TOKENS", "UsageError", "build_parser", "main"]


def __getattr__(name: str) -> Any:
    # Imported on first use: this module is what ``advisor-tui`` starts with, and a
    # start on a checked config must reach its first frame before pydantic loads
    # (``advisor_tui.startup``).
    if name in {"DEMO_TOKENS", "UsageError", "_settings"}:
        from advisor_tui.cli import _common

        return getattr(_common, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CALL_HELP = "call one backend operation and print its answer as JSON"


def build_parser(*, services: bool = True, call: bool = True) -> argparse.ArgumentParser:
    """Every command's parser; ``services=False`` leaves out the ``serve`` services' own
    flags, whose modules (a PostgreSQL driver among them) cost the app's cold start
    ~60 ms for nothing, and ``call=False`` the ``call`` operations (the clients and
    httpx, ~40 ms): ``main`` adds each only when its command is on the command line."""
    from advisor_tui.cli._common import _mock_url
    from advisor_tui.cli.app import add_app_parsers
    from advisor_tui.cli.config import add_config_parser
    from advisor_tui.cli.decisions import add_decisions_parser
    from advisor_tui.cli.mock import add_mock_parser
    from advisor_tui.cli.serve import add_serve_parser
    from advisor_tui.cli.web import add_web_parser

    parser = argparse.ArgumentParser(
        prog="advisor-tui",
        description="One terminal screen for contact-centre advisors. "
        "With no command, runs the app (the demo if no backends are configured).",
    )
    parser.add_argument("--version", action="version", version=f"advisor-tui {__version__}")
    parser.add_argument("--config", type=Path, default=None, metavar="PATH", help="config file")
    parser.add_argument(
        "--mock-url",
        type=_mock_url,
        default=None,
        metavar="URL",
        help="use a running 'advisor-tui mock serve' at URL (its root, e.g. "
        "http://127.0.0.1:8765) for every backend, in the app and the decisions commands; "
        "mock_url in the config file, ADVISOR_TUI_MOCK_URL in the environment",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_app_parsers(sub)
    add_mock_parser(sub)
    add_config_parser(sub)
    add_decisions_parser(sub)
    add_web_parser(sub)
    if call:
        from advisor_tui.scripting.call import add_call_parser

        add_call_parser(sub)
    else:
        sub.add_parser("call", help=CALL_HELP)
    add_serve_parser(sub, services=services)
    return parser


def _innermost_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The parser of the (sub)command the arguments chose, e.g. that of ``mock serve``."""
    while True:
        chooser = next(
            (a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None
        )
        chosen = getattr(args, chooser.dest, None) if chooser is not None else None
        if chooser is None or chosen not in chooser.choices:
            return parser
        parser = chooser.choices[chosen]


PLAIN_COMMANDS = ("run", "demo")
"""Commands whose start may paint first (``advisor_tui.startup``), given no flags."""


def _plain_start(words: Sequence[str]) -> tuple[str | None, Path | None]:
    """The command (``""`` for none) if the words only start the app, as
    ``advisor-tui [--config PATH] [run|demo]``, and the ``--config`` they give;
    ``(None, None)`` for anything else, which takes the full parser."""
    config: Path | None = None
    rest = list(words)
    while rest and rest[0].startswith("--config"):
        flag = rest.pop(0)
        if flag.startswith("--config="):
            config = Path(flag.removeprefix("--config="))
        elif flag == "--config" and rest and not rest[0].startswith("-"):
            config = Path(rest.pop(0))
        else:
            return None, None
    if rest == [] or (len(rest) == 1 and rest[0] in PLAIN_COMMANDS):
        return (rest[0] if rest else ""), config
    return None, None


def _run_checked(words: list[str], checked_as: str) -> int:
    """Start the app on a config the last start checked: first frame first, then
    the session, on another thread (``advisor_tui.startup``)."""
    from contextlib import ExitStack

    from advisor_tui.app import AdvisorApp
    from advisor_tui.startup import forget_checked

    with ExitStack() as stack:

        def open_session() -> Any:
            from advisor_tui.cli.app import open_checked

            return open_checked(words, stack)

        app = AdvisorApp(open_session)
        app.run()
    if app.startup_error is not None:
        forget_checked(checked_as)
        print(f"advisor-tui: {app.startup_error}", file=sys.stderr)
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    skip_httpx_command_line()  # before any command imports httpx
    words = sys.argv[1:] if argv is None else list(argv)
    command, config = _plain_start(words)
    checked_as: str | None = None
    if command is not None:
        from advisor_tui.startup import checked_before, fingerprint

        checked_as = fingerprint(config, command or "run")
        if checked_before(checked_as):
            return _run_checked(words, checked_as)

    from advisor_tui.cli._common import UsageError
    from advisor_tui.cli.app import cmd_demo, cmd_run
    from advisor_tui.cli.config import cmd_config
    from advisor_tui.cli.decisions import cmd_decisions
    from advisor_tui.cli.mock import cmd_mock
    from advisor_tui.cli.serve import cmd_serve
    from advisor_tui.cli.web import cmd_web
    from advisor_tui.config import ConfigError

    parser = build_parser(services="serve" in words, call="call" in words)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse reports a subcommand's unknown flag with the top-level usage,
        # which does not show the flags that subcommand does take.
        _innermost_parser(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    # The fingerprint to keep once this start's config has been checked in full.
    args.checked_as = checked_as
    command = args.command or "run"
    try:
        if command == "run":
            return cmd_run(args)
        if command == "demo":
            return cmd_demo(args)
        if command == "mock":
            return cmd_mock(args)
        if command == "config":
            return cmd_config(args)
        if command == "decisions":
            return cmd_decisions(args)
        if command == "web":
            return cmd_web(args)
        if command == "call":
            from advisor_tui.scripting.call import run_call

            return run_call(args)
        if command == "serve":
            return cmd_serve(args)
        parser.error(f"unknown command {command}")
    except (ConfigError, UsageError) as error:
        print(f"advisor-tui: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
