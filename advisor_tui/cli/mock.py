"""``advisor-tui mock``: serve the mock backends, print the contract's OpenAPI;
and the scenario and fault flags the demo shares with ``mock serve``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from advisor_tui.cli._common import UsageError, _port
from advisor_tui.contract import Backend
from advisor_tui.mock.flags import FAULT_KINDS, FlagError, parse_fault_flags


def add_mock_parser(sub: Any) -> None:
    mock = sub.add_parser("mock", help="the mock backends")
    mock_sub = mock.add_subparsers(dest="mock_command", metavar="COMMAND", required=True)
    serve = mock_sub.add_parser("serve", help="serve the mock backends over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8765, help="port (default 8765; 0 picks a free one)"
    )
    serve.add_argument(
        "--backends",
        default="all",
        metavar="LIST",
        help="comma-separated subset to serve, e.g. customers,faults (default all)",
    )
    add_fault_flags(serve, "in memory, gone when the server stops")
    add_tmf_flag(serve)
    openapi = mock_sub.add_parser("openapi", help="print the OpenAPI document of the contract")
    openapi.add_argument("--indent", type=int, default=2, help="JSON indent (default 2)")


def add_fault_flags(parser: argparse.ArgumentParser, decisions_db_default: str) -> None:
    parser.add_argument(
        "--scenario",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="extra scenario file (JSON or TOML); repeatable",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for faults (default 0)")
    parser.add_argument(
        "--as-of",
        type=_story_week,
        default=None,
        metavar="YYYY-MM-DD",
        help="replay the scenarios in the week nearest this date, keeping weekdays and times "
        "of day (default: the scenarios' own dates, so figures never change)",
    )
    parser.add_argument(
        "--latency",
        action="append",
        default=[],
        metavar="BACKEND=MS[+JITTER]",
        help="add latency to a backend ('all' for every one), e.g. faults=300+100",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="BACKEND=KIND[:RATE]",
        help=f"inject a fault; KIND is one of {', '.join(FAULT_KINDS)}, e.g. customers=errors:0.3",
    )
    parser.add_argument(
        "--decisions-db",
        type=Path,
        default=None,
        metavar="PATH",
        help="keep the mock decisions backend in this SQLite file "
        f"(default: {decisions_db_default})",
    )


def add_tmf_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tmf-no-extensions",
        action="store_true",
        help="the mock's TMF answers leave out our extensions (ETA history, circumstances, "
        "price changes), like a standard-only vendor",
    )


def _story_week(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(12), tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-04-08") from None


def mock_state(args: argparse.Namespace) -> Any:
    from advisor_tui.mock.scenario import ScenarioError, load_state

    try:
        state = load_state(args.scenario, seed=args.seed, as_of=args.as_of)
        state.faults.update(parse_fault_flags(args.latency, args.fault))
        state.tmf_extensions = not getattr(args, "tmf_no_extensions", False)
    except (ScenarioError, FlagError) as error:
        raise UsageError(str(error)) from None
    return state


def cmd_mock(args: argparse.Namespace) -> int:
    from advisor_tui.demo import create_demo_app

    if args.mock_command == "openapi":
        from advisor_tui.mock.scenario import load_state

        # The whole contract: the mock's backends and the actions service's routes.
        document = create_demo_app(load_state(include_seed=False)).openapi()
        print(json.dumps(document, indent=args.indent))
        return 0
    from advisor_tui.mock.server import serve

    backends: set[Backend] | None = None
    if args.backends != "all":
        try:
            backends = {Backend(name.strip()) for name in args.backends.split(",")}
        except ValueError:
            names = ", ".join(b.value for b in Backend)
            raise UsageError(f"--backends {args.backends!r}: names are {names}") from None
    state = mock_state(args)
    # The demo's composition: the mock backends and the real actions service, so
    # one --mock-url gives the app all five backends.
    app = create_demo_app(state, backends=backends, decisions_db=args.decisions_db)

    def announce(url: str) -> None:
        # The real URL: with --port 0 the port is only known once bound.
        print(
            f"serving mock backends on {url} (Ctrl+C stops)\n"
            f"  the app:   advisor-tui --mock-url {url}\n"
            f"  decisions: advisor-tui --mock-url {url} decisions sync\n"
            f"  TM Forum APIs too: {url}/customers/tmf-api/... and {url}/faults/tmf-api/... "
            '(set protocol = "tmf" for those backends)',
            file=sys.stderr,
            flush=True,
        )

    try:
        serve(app, args.host, args.port, announce=announce)
    except OSError as error:
        print(f"mock serve: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    return 0
