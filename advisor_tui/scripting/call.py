"""``advisor-tui call BACKEND OPERATION ...``: one backend call, JSON on stdout.

The operations are generated from the typed clients (``operations.py``), so
``--help`` lists exactly what the clients can do. A single answer is one JSON
document; a list is JSON Lines; ``--all`` on a paged operation streams every
row as JSON Lines, page by page, flushed as each page arrives. Every string is
escaped for terminals (``jsonout``). A failure is one line on stderr and an
exit status saying what kind (``ExitCode``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from pydantic import BaseModel, ValidationError

from advisor_tui.clients import BackendError
from advisor_tui.config import ConfigError, load_settings
from advisor_tui.contract import Backend, Role
from advisor_tui.scripting import open_backends
from advisor_tui.scripting.exit_codes import EXIT_MEANINGS, ExitCode, exit_code_for
from advisor_tui.scripting.jsonout import write_document, write_lines
from advisor_tui.scripting.operations import ALIASES, Operation, Parameter, find, operations
from advisor_tui.text import clean

PROG = "advisor-tui call"


class CallUsageError(Exception):
    """Bad arguments found after parsing (an input file, a URL flag)."""


# -- the parser ------------------------------------------------------------------------------


def _parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2025-06-12T09:00Z"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. 2025-06-12T09:00Z")
    return value


def _dest(parameter: Parameter) -> str:
    # Prefixed so no operation parameter can clash with the CLI's own options.
    return f"op_{parameter.name}"


def _add_parameter(parser: argparse.ArgumentParser, parameter: Parameter) -> None:
    kind = parameter.type
    if parameter.is_body:
        parser.add_argument(
            "--file",
            dest=_dest(parameter),
            required=True,
            type=Path,
            metavar="PATH",
            help=f"the request body: a {kind.__name__} as JSON ('-' reads stdin)",
        )
        return
    if parameter.positional:
        many: dict[str, Any] = {"nargs": "+"} if parameter.is_many else {}
        parser.add_argument(_dest(parameter), metavar=parameter.name.upper(), **many)
        return
    common: dict[str, Any] = {"dest": _dest(parameter), "default": parameter.default}
    if kind is bool:
        parser.add_argument(parameter.option, action=argparse.BooleanOptionalAction, **common)
    elif isinstance(kind, type) and issubclass(kind, Enum):
        values = [member.value for member in kind]
        parser.add_argument(parameter.option, choices=values, help="one of %(choices)s", **common)
    elif kind is datetime:
        parser.add_argument(
            parameter.option,
            type=_parse_datetime,
            metavar="TIME",
            help="ISO 8601 with an offset, e.g. 2025-06-12T09:00Z",
            **common,
        )
    else:
        default = "" if parameter.default is None else " (default %(default)s)"
        parser.add_argument(
            parameter.option,
            type=kind,
            metavar=parameter.name.upper(),
            help=default.strip() or None,
            **common,
        )


def _answer_text(operation: Operation) -> str:
    if operation.paged:
        row = operation.returns.model_fields[operation.items_field or ""].annotation
        rows = getattr(row, "__args__", (row,))[0].__name__
        return (
            f"Prints one {operation.returns.__name__} as JSON; with --all, every {rows} "
            "on every page as JSON Lines, page by page."
        )
    if operation.returns_list:
        return f"Prints JSON Lines, one {operation.returns.__args__[0].__name__} per line."
    return f"Prints one {getattr(operation.returns, '__name__', 'value')} as JSON."


def _add_connection_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """--config, --mock-url, --url and --role, on ``call`` and again on every operation,
    so they may come before or after BACKEND OPERATION.

    Only ``call`` sets defaults: an option left out after the operation must not
    overwrite one given before it (nor the top-level --config, nor a top-level
    --mock-url should the main parser grow one), so there they are SUPPRESSed.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="config file (as advisor-tui --config)",
    )
    parser.add_argument(
        "--mock-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="every backend from one mock-style server, e.g. a running advisor-tui mock serve",
    )
    parser.add_argument(
        "--url",
        action="append",
        default=default([]),
        metavar="BACKEND=URL",
        help="base URL of one backend, over the config's; repeatable",
    )
    parser.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=default(Role.ADVISOR.value),
        help="demo advisor to sign in as when no token is configured and the backends "
        "are a mock (--mock-url or the embedded demo); default advisor",
    )


def _add_operation(
    sub: Any, operation: Operation, name: str | None = None, aliases: Sequence[str] = ()
) -> None:
    described = operation.summary or f"{operation.backend.value} {operation.method}"
    parser = sub.add_parser(
        name or operation.name,
        aliases=list(aliases),
        help=described,
        description=f"{described}\n\n{_answer_text(operation)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for parameter in operation.parameters:
        _add_parameter(parser, parameter)
    _add_connection_options(parser, defaults=False)
    if operation.paged:
        parser.add_argument(
            "--all",
            dest="op_all",
            action="store_true",
            help="follow next_cursor to the last page, streaming rows as JSON Lines",
        )
    parser.set_defaults(call_operation=operation)


def _operation_listing() -> str:
    lines = ["operations (generated from the clients; BACKEND OPERATION --help for options):"]
    for backend in Backend:
        for operation in operations():
            if operation.backend is backend:
                write = " [write]" if operation.is_write else ""
                lines.append(f"  {backend.value} {operation.usage()}{write}")
                if operation.summary:
                    lines.append(f"      {operation.summary}")
    lines.append("\nshorter names:")
    for (group, name), (backend, target) in ALIASES.items():
        lines.append(f"  {group} {name} = {backend.value} {target}")
    lines.append("\nexit status:")
    for code, meaning in EXIT_MEANINGS.items():
        lines.append(f"  {code.value:>2}  {meaning}")
    return "\n".join(lines)


def add_call_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``call`` on the ``advisor-tui`` subcommands (``cli.build_parser``)."""
    from advisor_tui.cli import CALL_HELP

    call: argparse.ArgumentParser = sub.add_parser(
        "call",
        help=CALL_HELP,
        description=(
            "Call one backend operation with the app's config, environment and flags, "
            "and print the answer as JSON on stdout (lists as JSON Lines). With no "
            "backends configured, the embedded demo mock answers, in process, and "
            "says so on stderr. Errors are one line on stderr."
        ),
        epilog=_operation_listing(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_connection_options(call, defaults=True)
    groups = call.add_subparsers(dest="call_backend", metavar="BACKEND", required=True)
    for backend in Backend:
        group = groups.add_parser(
            backend.value,
            help=f"the {backend.value} backend",
            description=f"Operations of the {backend.value} backend.",
        )
        ops = group.add_subparsers(dest="call_op_name", metavar="OPERATION", required=True)
        for operation in operations():
            if operation.backend is backend:
                aliases = [
                    name
                    for (g, name), target in ALIASES.items()
                    if g == backend.value and target == (backend, operation.name)
                ]
                _add_operation(ops, operation, aliases=aliases)
    extra_groups = sorted({g for g, _ in ALIASES} - {b.value for b in Backend})
    for name in extra_groups:
        group = groups.add_parser(
            name,
            help="shorter names: "
            + ", ".join(
                f"{name} {op} = {b.value} {t}" for (g, op), (b, t) in ALIASES.items() if g == name
            ),
        )
        ops = group.add_subparsers(dest="call_op_name", metavar="OPERATION", required=True)
        for (g, op), (backend, target) in ALIASES.items():
            if g == name:
                _add_operation(ops, find(backend, target), name=op)
    return call


# -- running ---------------------------------------------------------------------------------


def _read_body(parameter: Parameter, path: Path, stdin: TextIO) -> BaseModel:
    model: type[BaseModel] = parameter.type
    where = "stdin" if str(path) == "-" else str(path)
    try:
        text = stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        raise CallUsageError(f"--file {where}: {error.strerror}") from None
    try:
        return model.model_validate_json(text)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(p) for p in first["loc"]) or "(body)"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        hint = ""
        if field == "id" and first["type"] == "missing":
            hint = "; the id (a ULID) is the idempotency key: keep it to make a retry safe"
        raise CallUsageError(
            f"--file {where}: not a {model.__name__}: {field}: {first['msg']}{more}{hint}"
        ) from None


def _arguments(operation: Operation, args: argparse.Namespace, stdin: TextIO) -> dict[str, Any]:
    values: dict[str, Any] = {}
    queries: dict[str, tuple[Any, dict[str, Any]]] = {}
    for parameter in operation.parameters:
        value = getattr(args, _dest(parameter))
        if parameter.is_body:
            value = _read_body(parameter, value, stdin)
        elif value is not None and isinstance(parameter.type, type):
            if issubclass(parameter.type, Enum):
                value = parameter.type(value)
        if parameter.query_of is not None:
            # A query model's fields are options; the method gets the model.
            _, fields = queries.setdefault(parameter.query_of, (parameter.query_model, {}))
            if value is not None:
                fields[parameter.name] = value
            continue
        values[parameter.name] = value
    for name, (model, fields) in queries.items():
        values[name] = model(**fields)
    return values


def _url_overrides(flags: Sequence[str]) -> dict[str, Any] | None:
    if not flags:
        return None
    urls: dict[str, Any] = {}
    for flag in flags:
        name, sep, url = flag.partition("=")
        if not sep or not url or name not in {b.value for b in Backend}:
            names = ", ".join(b.value for b in Backend)
            raise CallUsageError(f"--url {flag!r}: expected BACKEND=URL, BACKEND one of {names}")
        urls[name] = {"url": url}
    return urls


async def _call(
    operation: Operation,
    arguments: dict[str, Any],
    *,
    follow: bool,
    out: BinaryIO,
    **connect: Any,
) -> None:
    async with open_backends(**connect) as backends:
        method = operation.bind(backends.client(operation.backend))
        if follow and operation.items_field is not None:
            field = operation.items_field
            while True:
                page = await method(**arguments)
                write_lines(out, getattr(page, field))
                if not page.next_cursor:
                    return
                arguments["cursor"] = page.next_cursor
        answer = await method(**arguments)
        if operation.returns_list:
            write_lines(out, answer)
        else:
            write_document(out, answer)


def _fail(stderr: TextIO, message: str, code: ExitCode) -> int:
    # One line: a config error naming several keys joins them; whatever a server
    # put in its detail is shown, not acted on (escapes, further newlines).
    one_line = "; ".join(part.strip() for part in message.splitlines() if part.strip())
    print(f"{PROG}: {clean(one_line, 1000)}", file=stderr)
    return code


def run_call(
    args: argparse.Namespace,
    *,
    stdout: BinaryIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run a parsed ``call``; returns the exit status (``ExitCode``)."""
    out = stdout if stdout is not None else sys.stdout.buffer
    err = stderr if stderr is not None else sys.stderr
    operation: Operation = args.call_operation
    try:
        arguments = _arguments(operation, args, stdin if stdin is not None else sys.stdin)
        config = getattr(args, "config", None)
        # --mock-url (here or before `call`) is the settings' mock_url, as for the
        # app: validated the same way, and refused beside backend URLs.
        settings, warnings = load_settings(
            config, backends=_url_overrides(args.url), mock_url=getattr(args, "mock_url", None)
        )
    except (CallUsageError, ConfigError) as error:
        return _fail(err, str(error), ExitCode.USAGE)
    for warning in warnings:
        print(f"warning: {warning}", file=err)

    def notice(message: str) -> None:
        print(f"{PROG}: {message}", file=err)

    try:
        asyncio.run(
            _call(
                operation,
                arguments,
                follow=getattr(args, "op_all", False),
                out=out,
                settings=settings,
                role=Role(args.role),
                notice=notice,
            )
        )
    except BackendError as error:
        return _fail(err, f"{error.reason}: {error}", exit_code_for(error))
    except ValueError as error:
        # The clients check their arguments (a page limit out of range) before any call.
        return _fail(err, str(error), ExitCode.USAGE)
    except BrokenPipeError:
        # `| head` closed the pipe: stop quietly, and keep Python's exit-time
        # flush of stdout from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    return ExitCode.OK


__all__ = ["EXIT_MEANINGS", "ExitCode", "add_call_parser", "exit_code_for", "run_call"]
