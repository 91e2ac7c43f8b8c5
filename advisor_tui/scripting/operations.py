"""The operations ``advisor-tui call`` offers, read off the typed clients themselves.

Every public coroutine method a backend client defines (plus the shared
``health``) is an operation; its parameters become arguments and options from
its signature and type hints, and its summary is the first line of its
docstring. A method added to a client is therefore a new ``call`` operation,
with help, without touching this module: the list cannot drift from the code.

A parameter whose type is a contract model (a ``Decision``, a ``NoteCreate``)
is a request body, read from a JSON file; an operation with one is a write.
An operation with a ``cursor`` parameter whose answer has ``next_cursor`` is
paged, and ``--all`` follows the cursor to the end.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Union

from pydantic import AwareDatetime, BaseModel

from advisor_tui.clients import BackendHttp, Backends
from advisor_tui.contract.common import Backend
from advisor_tui.contract.decisions import DecisionFilters

# Methods every client inherits that are plumbing, not backend operations.
_SHARED_OPERATIONS = ("health",)

ALIASES: Mapping[tuple[str, str], tuple[Backend, str]] = {
    # The names people reach for first; each points at a generated operation
    # (tests check every target exists), so an alias cannot outlive its method.
    ("history", "list"): (Backend.CUSTOMERS, "history"),
    ("history", "get"): (Backend.CUSTOMERS, "history-event"),
    ("actions", "list"): (Backend.ACTIONS, "next-actions"),
    ("identity", "whoami"): (Backend.IDENTITY, "me"),
}
"""``(group, name) -> (backend, operation)``: extra spellings of generated operations."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a client method, as the command line sees it."""

    name: str
    type: Any
    """The type with ``None`` taken out of an optional (``Channel | None`` -> ``Channel``)."""
    nullable: bool
    required: bool
    positional: bool
    default: Any
    query_of: str | None = None
    """For a field of a query model (``DecisionFilters``): the method parameter it fills."""
    query_model: Any = None

    @property
    def is_body(self) -> bool:
        return (
            self.query_of is None
            and isinstance(self.type, type)
            and issubclass(self.type, BaseModel)
        )

    @property
    def is_many(self) -> bool:
        """A list of strings: one or more words on the command line (``names A B C``)."""
        return bool(self.type == list[str])

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Operation:
    """One backend call: ``advisor-tui call <backend> <name> ...``."""

    backend: Backend
    name: str
    method: str
    summary: str
    parameters: tuple[Parameter, ...]
    returns: Any

    @property
    def body(self) -> Parameter | None:
        return next((p for p in self.parameters if p.is_body), None)

    @property
    def is_write(self) -> bool:
        return self.body is not None

    @property
    def items_field(self) -> str | None:
        """For a paged answer, the field holding the page's rows (``events``, ``items``)."""
        if not self.paged:
            return None
        fields = self.returns.model_fields
        lists = [n for n, f in fields.items() if typing.get_origin(f.annotation) is list]
        return lists[0] if len(lists) == 1 else None

    @property
    def paged(self) -> bool:
        return (
            any(p.name == "cursor" for p in self.parameters)
            and isinstance(self.returns, type)
            and issubclass(self.returns, BaseModel)
            and "next_cursor" in self.returns.model_fields
        )

    @property
    def returns_list(self) -> bool:
        return typing.get_origin(self.returns) is list

    def usage(self) -> str:
        """``history CUSTOMER_ID [--cursor CURSOR] ...`` for the help listing."""
        words = [self.name]
        for p in self.parameters:
            if p.is_body:
                words.append("--file PATH")
            elif p.positional:
                words.append(p.name.upper() + ("..." if p.is_many else ""))
        if any(not p.positional and not p.is_body for p in self.parameters):
            words.append("[options]")
        if self.paged:
            words.append("[--all]")
        return " ".join(words)

    def bind(self, client: BackendHttp) -> Callable[..., Any]:
        bound: Callable[..., Any] = getattr(client, self.method)
        return bound


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _summary(method: Callable[..., Any]) -> str:
    """The docstring's first sentence, on one line, without reST literals."""
    doc = " ".join((inspect.getdoc(method) or "").split("\n\n")[0].split())
    sentence, dot, _ = doc.partition(". ")
    return (sentence + dot).strip().replace("``", "")


_QUERY_MODELS: tuple[type[BaseModel], ...] = (DecisionFilters,)
"""Models a client takes as query parameters: each field becomes an option."""


def _query_fields(name: str, model: type[BaseModel]) -> list[Parameter]:
    hints = typing.get_type_hints(model)
    out = []
    for field in model.model_fields:
        annotation, nullable = _unwrap_optional(hints[field])
        if annotation is AwareDatetime:
            annotation = datetime
        out.append(
            Parameter(
                name=field,
                type=annotation,
                nullable=nullable,
                required=False,
                positional=False,
                default=None,
                query_of=name,
                query_model=model,
            )
        )
    return out


def _parameters(method: Callable[..., Any]) -> tuple[tuple[Parameter, ...], Any]:
    hints = typing.get_type_hints(method)
    parameters = []
    for name, p in inspect.signature(method).parameters.items():
        if name == "self":
            continue
        annotation, nullable = _unwrap_optional(hints[name])
        required = p.default is inspect.Parameter.empty
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and not required:
            # An optional model is either a query model (its fields become
            # options) or something the client fills in itself when absent
            # (record's chain position), which a command line leaves to it.
            if issubclass(annotation, _QUERY_MODELS):
                parameters.extend(_query_fields(name, annotation))
            continue
        parameters.append(
            Parameter(
                name=name,
                type=annotation,
                nullable=nullable,
                required=required,
                positional=required
                and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
                and not (isinstance(annotation, type) and issubclass(annotation, BaseModel)),
                default=None if required else p.default,
            )
        )
    return tuple(parameters), hints.get("return")


def _check_supported(operation: Operation) -> None:
    for p in operation.parameters:
        supported = p.is_body or p.type in (str, int, float, bool, datetime)
        supported = supported or (p.is_many and p.positional)
        supported = supported or (isinstance(p.type, type) and issubclass(p.type, Enum))
        if not supported:
            raise TypeError(
                f"{operation.backend.value}.{operation.method}: parameter {p.name} has type "
                f"{p.type!r}, which the call command cannot take from a command line"
            )


def client_classes() -> dict[Backend, type[BackendHttp]]:
    """Each backend's client class, as ``Backends`` declares it."""
    hints = typing.get_type_hints(Backends)
    return {backend: hints[backend.value] for backend in Backend}


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of every backend, in backend order then method order."""
    found = []
    for backend, cls in client_classes().items():
        names = [n for n in cls.__dict__ if not n.startswith("_")]
        for name in [*names, *_SHARED_OPERATIONS]:
            method = getattr(cls, name)
            if not inspect.iscoroutinefunction(method):
                continue
            parameters, returns = _parameters(method)
            operation = Operation(
                backend=backend,
                name=name.replace("_", "-"),
                method=name,
                summary=_summary(method),
                parameters=parameters,
                returns=returns,
            )
            _check_supported(operation)
            found.append(operation)
    return tuple(found)


def find(backend: Backend, name: str) -> Operation:
    for operation in operations():
        if operation.backend is backend and operation.name == name:
            return operation
    raise KeyError(f"{backend.value} has no operation {name!r}")
