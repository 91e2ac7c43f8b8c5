"""``advisor-tui serve``: the deployable backend services (actions, decisions)."""

from __future__ import annotations

import argparse
from typing import Any

from advisor_tui.cli._common import UsageError, _settings


def add_serve_parser(sub: Any, *, services: bool = True) -> None:
    """The ``serve`` command; its services' own flags only with ``services`` (see
    ``build_parser``)."""
    serve = sub.add_parser("serve", help="run a deployable backend service")
    serve_sub = serve.add_subparsers(dest="serve_command", metavar="SERVICE", required=True)
    if not services:
        return
    from advisor_tui.services.actions import serve as serve_actions
    from advisor_tui.services.decisions import cli as decisions_service

    serve_actions.add_parser(serve_sub)
    decisions_service.add_parser(serve_sub)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.serve_command == "decisions":
        from advisor_tui.mock.scenario import load_state
        from advisor_tui.services.decisions.cli import cmd_serve_decisions

        # The wiring, not the service, knows the demo's static tokens.
        return cmd_serve_decisions(args, demo_tokens=lambda: load_state().advisors)
    return _serve_actions(args)


def _serve_actions(args: argparse.Namespace) -> int:
    from advisor_tui.services.actions import serve as serve_actions

    settings = _settings(args, **serve_actions.settings_overrides(args))
    try:
        return serve_actions.run(settings, args)
    except serve_actions.ServeError as error:
        raise UsageError(str(error)) from None
