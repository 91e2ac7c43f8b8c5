"""Hostile data generated from the contract, a backend that serves it, and a
scanner for what reaches a terminal or a file.

``hostile_instance`` builds a valid instance of any contract model from its
``model_fields`` with a hostile value in every string (field values, list
items, dict keys), so a field added to the contract is covered without editing
a test. ``hostile_backend`` serves such instances over the mock's own route
table (path, method and response model of every route the mock publishes).
``RecordingDriver`` keeps every byte Textual writes to the terminal and
``terminal_problems`` / ``file_problems`` name anything in them the app itself
did not emit.
"""

from __future__ import annotations

import itertools
import re
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

import annotated_types
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, ValidationError
from pydantic.fields import FieldInfo
from textual.drivers.headless_driver import HeadlessDriver
from ulid import ULID

from advisor_tui import contract
from advisor_tui.contract import ContractModel

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
M = typing.TypeVar("M", bound=BaseModel)

# Each one did something in a real terminal, or would: window title (OSC 0/2,
# ST- and BEL-terminated), clipboard (OSC 52, both terminators), hyperlink
# (OSC 8), DCS and APC strings, cursor moves and screen clear (CSI), colour
# (SGR, with blink so it cannot pass for the app's own), NUL, the one-byte C1
# CSI, bidi override and isolate, zero-width space and joiner, BOM, and Rich
# markup (style, link, click action).
PAYLOADS = (
    "\x1b]0;pwned-title\x1b\\",
    "\x1b]2;pwned-title\x07",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]52;p;ZXZpbA==\x1b\\",
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x1bP1$r0m\x1b\\",
    "\x1b_Gi=31337;AAAA\x1b\\",
    "\x1b[3A\x1b[999;999H",
    "\x1b[2J\x1b[H",
    "\x1b[5;31mAMOUNT OWED: £0.00\x1b[0m",
    "N\x00UL",
    "\x9b2J",
    "R\u202eLO",
    "L\u2066RI",
    "Z\u200bWSP",
    "Z\u200dWJ",
    "\ufeffBOM",
    "[bold red]markup[/bold red]",
    "[link=https://evil.example/]x[/link]",
    "[@click=app.quit]quit[/]",
)

# Forced enum choices: a reviewer (so the review screen opens) and an override
# outcome on the process step (so the approval notice shows).
ENUM_CHOICE: dict[type[Enum], Enum] = {contract.Role: contract.Role.SUPERVISOR}


@dataclass
class Planted:
    """What a generation run did: where hostile text went, where the contract refused it."""

    fields: set[tuple[str, str]] = field(default_factory=set)
    refused: set[tuple[str, str]] = field(default_factory=set)
    routes: set[str] = field(default_factory=set)  # "METHOD path" of every route answered
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def hostile(self, max_len: int | None = None) -> str:
        k = next(self.counter) % len(PAYLOADS)
        text = "".join(PAYLOADS[k:] + PAYLOADS[:k])
        return text if max_len is None else text[:max_len]


def contract_models() -> list[type[ContractModel]]:
    """Every model of the contract package, found by walking subclasses."""
    seen: list[type[ContractModel]] = []
    todo = [ContractModel]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("advisor_tui.contract") and sub not in seen:
                seen.append(sub)
                todo.append(sub)
    return seen


def string_fields(model: type[BaseModel]) -> set[tuple[str, str]]:
    """(model, field) of every field whose type holds a string somewhere, at any depth."""
    found: set[tuple[str, str]] = set()

    def walk(cls: type[BaseModel], seen: set[type[BaseModel]]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for name, info in cls.model_fields.items():
            for leaf in _leaves(info.annotation):
                if leaf is str:
                    found.add((cls.__name__, name))
                elif isinstance(leaf, type) and issubclass(leaf, BaseModel):
                    walk(leaf, seen)

    walk(model, set())
    return found


def model_leaves(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation such as ``list[Note]`` or ``dict[K, M]`` holds."""
    return [
        leaf
        for leaf in _leaves(annotation)
        if isinstance(leaf, type) and issubclass(leaf, BaseModel)
    ]


def _leaves(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _leaves(typing.get_args(annotation)[0])
    if origin in (list, dict, tuple, set, typing.Union, types.UnionType):
        return [leaf for arg in typing.get_args(annotation) for leaf in _leaves(arg)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return []  # a StrEnum is a str, but its values are ours, not the backend's
    return [annotation]


def hostile_instance(model: type[M], planted: Planted) -> M:
    """A valid ``model`` with hostile text in every string the contract allows it in."""
    data = _model_data(model, planted)
    for _ in range(50):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = error["loc"]
                if error["type"] == "string_too_long":
                    # Cut to the contract's bound: still hostile, just shorter.
                    limit = int(error["ctx"]["max_length"])
                    _replace(data, loc, lambda v, n=limit: v[:n])
                    continue
                # A field the contract constrains (a ULID, a pattern): the hostile
                # value is refused there, which is the contract doing its job; put
                # a plain valid value in and note it.
                _replace(data, loc, lambda _: str(ULID()))
                owner = _owner(model, loc)
                planted.refused.add(owner)
                planted.fields.discard(owner)
    raise AssertionError(f"could not build a valid {model.__name__}")


def _owner(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[str, str]:
    cls: Any = model
    owner = (model.__name__, str(loc[0]))
    for part in loc:
        if isinstance(part, str) and isinstance(cls, type) and issubclass(cls, BaseModel):
            info = cls.model_fields.get(part)
            if info is None:
                break
            owner = (cls.__name__, part)
            cls = next(
                (
                    leaf
                    for leaf in _leaves(info.annotation)
                    if isinstance(leaf, type) and issubclass(leaf, BaseModel)
                ),
                None,
            )
    return owner


def _replace(data: Any, loc: tuple[int | str, ...], change: Any) -> None:
    if loc[-1] == "[key]":  # a dict key the contract refused: rename it
        target = data
        for part in loc[:-3]:
            target = target[part]
        mapping = target[loc[-3]]
        old = next(k for k in mapping if k == loc[-2] or str(k) == str(loc[-2]))
        mapping[change(old)] = mapping.pop(old)
        return
    target = data
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = change(target[loc[-1]])


def _model_data(model: type[BaseModel], planted: Planted) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        data[name] = _value(info.annotation, info, planted, (model.__name__, name))
    return data


def _bound(info: FieldInfo | None, default: int) -> int:
    value = default
    for meta in info.metadata if info else ():
        if isinstance(meta, annotated_types.Ge):
            value = max(value, int(meta.ge))  # type: ignore[call-overload]
        elif isinstance(meta, annotated_types.Gt):
            value = max(value, int(meta.gt) + 1)  # type: ignore[call-overload]
        elif isinstance(meta, annotated_types.Le):
            value = min(value, int(meta.le))  # type: ignore[call-overload]
    return value


def _max_len(info: FieldInfo | None) -> int | None:
    for meta in info.metadata if info else ():
        if isinstance(meta, annotated_types.MaxLen):
            return int(meta.max_length)
    return None


def _value(
    annotation: Any, info: FieldInfo | None, planted: Planted, owner: tuple[str, str]
) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _value(args[0], info, planted, owner)
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in args if a is not type(None)]
        # A union such as int | bool | str: the string arm, to plant text.
        arm = next((a for a in arms if str in _leaves(a)), arms[0])
        return _value(arm, info, planted, owner)
    if origin is list:
        return [_value(args[0], None, planted, owner) for _ in range(2)]
    if origin is dict:
        return {
            _value(args[0], None, planted, owner): _value(args[1], None, planted, owner)
            for _ in range(2)
        }
    if annotation is typing.Any:
        return planted.hostile()
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            members = list(annotation)
            return ENUM_CHOICE.get(annotation, members[next(planted.counter) % len(members)])
        if issubclass(annotation, BaseModel):
            return _model_data(annotation, planted)
        if annotation is str:
            planted.fields.add(owner)
            return planted.hostile(_max_len(info))
        if annotation is bool:
            return True
        if annotation is int:
            return _bound(info, 3)
        if annotation is float:
            return float(_bound(info, 2)) / 2 + 0.25
        if annotation in (datetime, AwareDatetime):
            return NOW - timedelta(minutes=next(planted.counter))
        if annotation is date:
            return NOW.date() - timedelta(days=next(planted.counter) % 30)
    raise AssertionError(f"no hostile value for {annotation!r} ({owner})")


# -- the backend -------------------------------------------------------------


def hostile_backend(mock: FastAPI, planted: Planted) -> FastAPI:
    """Every route the mock publishes, answering with a fresh hostile instance of
    its response model whatever the path parameters (so hostile ids still lead
    somewhere). A request that passes a ``cursor`` gets the last page, or an
    export walking pages would never end."""
    app = FastAPI()
    served = [(p, r) for p, r in api_routes(mock.routes) if r.response_model is not None]
    # A hostile id may hold "/" (a URL in it); let every parameter take one, and
    # try fixed paths first, then the longest, so each request finds its route.
    served.sort(key=lambda item: ("{" in item[0], -len(item[0])))
    for path, route in served:
        app.add_api_route(
            re.sub(r"\{(\w+)\}", r"{\1:path}", path),
            _endpoint(route.response_model, planted, f"{sorted(route.methods)[0]} {path}"),
            methods=list(route.methods),
            response_model=route.response_model,
        )
    return app


def api_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of every API route, through included routers at any depth."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router") and hasattr(route, "include_context"):
            # FastAPI keeps an included router whole, with its prefix beside it.
            inner = prefix + route.include_context.prefix
            yield from api_routes(route.original_router.routes, inner)


def _endpoint(response_model: Any, planted: Planted, name: str) -> Any:
    async def answer(request: Request) -> Any:
        planted.routes.add(name)
        if typing.get_origin(response_model) is list:
            (item,) = typing.get_args(response_model)
            return [hostile_instance(item, planted) for _ in range(2)]
        value = hostile_instance(response_model, planted)
        if "cursor" in request.query_params and "next_cursor" in type(value).model_fields:
            value = value.model_copy(update={"next_cursor": None})
        return value

    return answer


# -- what reaches the terminal -----------------------------------------------


class RecordingDriver(HeadlessDriver):
    """Textual's headless driver, except that it says it is a terminal, so the app
    renders real output, and keeps every string it is asked to write."""

    written: typing.ClassVar[list[str]] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        RecordingDriver.written.append(data)


# What Textual itself writes with the 16-colour console of a test run: cursor
# moves to a cell of the screen, SGR with plain attributes and standard colours,
# and the pointer shape (OSC 22). Anything else with an ESC came from data.
_APP_SEQUENCE = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[([\d;]*)m|\x1b\]22;[a-z-]+\x07")
_SGR_OK = {0, 1, 2, 3, 4, 7, 9, 21, 22, 23, 24, 27, 29, 39, 49}
_SGR_OK |= set(range(30, 38)) | set(range(40, 48)) | set(range(90, 98)) | set(range(100, 108))
# Controls, DEL, C1, and the format characters that reorder or hide text.
_FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2069\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def terminal_problems(stream: str, size: tuple[int, int]) -> list[str]:
    """Every sequence or character in ``stream`` the app would not write itself."""
    problems: list[str] = []
    width, height = size

    def check(match: re.Match[str]) -> str:
        row, col, sgr = match.groups()
        if row is not None and not (1 <= int(row) <= height and 1 <= int(col) <= width):
            problems.append(f"cursor move off the screen: {match.group()!r}")
        if sgr is not None and not all(int(p or 0) in _SGR_OK for p in sgr.split(";")):
            problems.append(f"SGR the app never uses: {match.group()!r}")
        return ""

    rest = _APP_SEQUENCE.sub(check, stream)
    for match in _FORBIDDEN.finditer(rest):
        at = match.start()
        problems.append(f"{match.group()!r} in {rest[max(0, at - 30) : at + 30]!r}")
    return problems


def file_problems(text: str) -> list[str]:
    """Controls (other than line ends), escapes, bidi and zero-width characters in a file."""
    body = text.replace("\r\n", "\n")
    return [
        f"{m.group()!r} in {body[max(0, m.start() - 30) : m.start() + 30]!r}"
        for m in _FORBIDDEN.finditer(body)
    ]
