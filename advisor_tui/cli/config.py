"""``advisor-tui config``: where the config file is, what is in force, a fresh one."""

from __future__ import annotations

import argparse
from typing import Any

from advisor_tui.cli._common import _settings
from advisor_tui.config import config_path, render_settings, write_default_config


def add_config_parser(sub: Any) -> None:
    config = sub.add_parser("config", help="the config file")
    config_sub = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    config_sub.add_parser("path", help="print where the config file is read from")
    config_sub.add_parser("show", help="print the effective settings (secrets masked)")
    init = config_sub.add_parser("init", help="write a commented config file (mode 0600)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")


def cmd_config(args: argparse.Namespace) -> int:
    if args.config_command == "path":
        print(config_path(args.config))
    elif args.config_command == "show":
        print(render_settings(_settings(args)))
    else:
        path = write_default_config(config_path(args.config), force=args.force)
        print(f"wrote {path} (mode 0600)")
    return 0
