"""Reading the settings: which file, its layers, and what is wrong with a config in
words that name the file (or environment variable, or option) and the key."""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from advisor_tui.config.settings import (
    CONFIG_ENV,
    ENV_PREFIX,
    TEST_ENV_PREFIX,
    ConfigError,
    Settings,
    _file_layer,
)
from advisor_tui.startup import config_file


def config_path(explicit: Path | None = None) -> Path:
    """The config file to read: ``--config`` > ``$ADVISOR_TUI_CONFIG`` > the user config dir."""
    return config_file(explicit)


def load_settings(path: Path | None = None, **overrides: Any) -> tuple[Settings, list[str]]:
    """Build the settings and return them with any warnings for the user.

    ``path`` is the ``--config`` option; ``overrides`` are command-line values
    (nested as dicts, e.g. ``backends={"faults": {"url": ...}}``). ``None``
    overrides mean "option not given" and are dropped, so a CLI can pass every
    option through unconditionally.
    """
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV))
    file = config_path(path)
    warnings: list[str] = []
    data: dict[str, Any] = {}
    if file.exists():
        data = _read_toml(file)
        warning = _token_permission_warning(file, data)
        if warning:
            warnings.append(warning)
    elif explicit:
        raise ConfigError(f"{file}: no such config file")

    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = _unknown_environment()
    if unknown:
        raise ConfigError("\n".join(unknown))
    try:
        with _file_layer(data):
            settings = Settings(**given)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, file, data, given)) from None
    except SettingsError as exc:
        # Raised by the environment source when a value cannot be parsed at all
        # (e.g. keymap that is not JSON); its message names the field.
        raise ConfigError(f"environment ({ENV_PREFIX}*): {_cause(exc)}") from None
    return settings, warnings


def _unknown_environment() -> list[str]:
    """``ADVISOR_TUI_*`` variables that name no setting, e.g. the typo ADVISOR_TUI_TOKN.

    A nested typo (``ADVISOR_TUI_TIMEOUTS__RAED``) is caught by the sections'
    extra="forbid"; a top-level one would be silently ignored by pydantic-settings,
    leaving the default in force with no hint why.
    """
    known = {CONFIG_ENV} | {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    problems = []
    for name in sorted(os.environ):
        top = name.upper().split("__", 1)[0]
        if not top.startswith(ENV_PREFIX) or top.startswith(TEST_ENV_PREFIX) or top in known:
            continue
        close = difflib.get_close_matches(top, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        problems.append(f"{name}: unknown setting{hint}")
    return problems


def _cause(exc: BaseException) -> str:
    return f"{exc}: {exc.__cause__}" if exc.__cause__ else str(exc)


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None


def _token_permission_warning(file: Path, data: Mapping[str, Any]) -> str | None:
    if data.get("token") in (None, ""):
        return None
    mode = stat.S_IMODE(file.stat().st_mode)
    if mode & 0o077:
        return (
            f"{file}: holds a token but is readable by others (mode {mode:04o}); "
            f"run: chmod 600 {file}"
        )
    return None


def _has_path(data: Mapping[str, Any], loc: tuple[str | int, ...]) -> bool:
    node: Any = data
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _env_name_for(loc: tuple[str | int, ...]) -> str | None:
    """The environment variable that supplied ``loc`` (or a parent of it), if any."""
    env = {k.upper(): k for k in os.environ}
    for depth in range(len(loc), 0, -1):
        name = ENV_PREFIX + "__".join(str(p) for p in loc[:depth]).upper()
        if name in env:
            return env[name]
    return None


def _describe(
    exc: ValidationError, file: Path, data: Mapping[str, Any], overrides: Mapping[str, Any]
) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        if _has_path(overrides, loc):
            where = f"option {key}"
            lines.append(f"{where}: {message}")
            continue
        env_name = _env_name_for(loc)
        if env_name is not None:
            lines.append(f"{env_name}: {key}: {message}")
        elif _has_path(data, loc) or not loc:
            lines.append(f"{file}: {key}: {message}")
        else:
            lines.append(f"{key}: {message}")
    return "\n".join(lines)
