"""The scripting API is documented where a developer looks: every public name of
``advisor_tui.clients`` and ``advisor_tui.testing``, every client operation and
every contract model has a docstring (help(), IDEs and ``call --help`` show them)."""

from __future__ import annotations

import inspect
from enum import Enum

from pydantic import BaseModel

import advisor_tui.clients as clients
import advisor_tui.contract as contract
import advisor_tui.testing as testing
from advisor_tui.scripting.operations import client_classes, operations


def _undocumented(module: object, names: list[str]) -> list[str]:
    missing = []
    for name in names:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            if not (inspect.getdoc(value) or "").strip():
                missing.append(name)
    return missing


def test_every_exported_client_name_is_documented() -> None:
    assert _undocumented(clients, list(clients.__all__)) == []
    assert _undocumented(testing, list(testing.__all__)) == []


def test_every_client_operation_is_documented() -> None:
    assert [f"{o.backend.value} {o.name}" for o in operations() if not o.summary] == []
    for cls in client_classes().values():
        assert (cls.__doc__ or "").strip(), cls


def test_every_contract_model_and_enum_is_documented() -> None:
    missing = [
        name
        for name in dir(contract)
        if not name.startswith("_")
        and inspect.isclass(value := getattr(contract, name))
        and issubclass(value, BaseModel | Enum)
        and value.__module__.startswith("advisor_tui.contract")
        and not (value.__doc__ or "").strip()
    ]
    assert missing == []
