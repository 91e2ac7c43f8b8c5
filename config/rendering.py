"""Writing the settings out as TOML: the effective ones (``config show``, secrets
masked) and a commented default file (``config init``, mode 0600)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from advisor_tui.config.sections import (
    TMF_BACKENDS,
    BackendSettings,
    DisplaySettings,
    FaultsSettings,
    RetrySettings,
    RulesSettings,
    TimeoutSettings,
    _Section,
)
from advisor_tui.config.settings import MASK, ConfigError, Settings
from advisor_tui.contract.common import Backend


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, Path):
        return _toml_value(str(value))
    raise TypeError(f"cannot render {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else _toml_value(key)


def render_settings(settings: Settings) -> str:
    """The effective settings as TOML, secrets masked, unset values as comments."""
    dumped = settings.model_dump(mode="json", exclude={"token"})
    top: list[str] = []
    tables: list[str] = []
    token = MASK if settings.token is not None else None
    for name in Settings.model_fields:
        value = token if name == "token" else dumped[name]
        if name == "backends":
            for backend in Backend:
                url = dumped["backends"][backend.value]["url"]
                tables.append(f"\n[backends.{backend.value}]")
                tables.append(f"url = {_toml_value(url)}" if url else "# url = (not set)")
                protocol = dumped["backends"][backend.value]["protocol"]
                tables.append(f"protocol = {_toml_value(protocol)}")
                limit = dumped["backends"][backend.value]["max_response_bytes"]
                tables.append(f"max_response_bytes = {_toml_value(limit)}")
        elif isinstance(value, dict):
            tables.append(f"\n[{name}]")
            for k, v in value.items():
                key = _toml_key(k)
                tables.append(f"# {key} = (not set)" if v is None else f"{key} = {_toml_value(v)}")
        elif value is None:
            top.append(f"# {name} = (not set)")
        else:
            top.append(f"{name} = {_toml_value(value)}")
    return "\n".join(top + tables) + "\n"


_SECTIONS: dict[str, type[_Section]] = {
    "timeouts": TimeoutSettings,
    "retry": RetrySettings,
    "display": DisplaySettings,
    "faults": FaultsSettings,
    "rules": RulesSettings,
}


# What a commented-out key with no default shows instead of a value.
_EXAMPLES = {"rates": '"/etc/advisor-tui/regulation.toml"'}


def default_config_text() -> str:
    """A commented config file naming every key with its default (all commented out)."""
    lines = [
        "# Advisor TUI configuration.",
        "# Precedence: command-line options > ADVISOR_TUI_* environment variables",
        "# (nested with __, e.g. ADVISOR_TUI_BACKENDS__FAULTS__URL) > this file > defaults.",
        "# With no backend URLs at all the app runs the embedded demo on mock backends.",
        "",
    ]

    def describe(field: FieldInfo) -> list[str]:
        return [f"# {field.description}"] if field.description else []

    sections: list[str] = []
    for name, field in Settings.model_fields.items():
        if name == "backends":
            for backend in Backend:
                url_field = BackendSettings.model_fields["url"]
                sections += ["", f"[backends.{backend.value}]", *describe(url_field)]
                sections.append(f'# url = "https://{backend.value}.example.net/"')
                if backend in TMF_BACKENDS:
                    sections += describe(BackendSettings.model_fields["protocol"])
                    sections.append('# protocol = "native"')
                cap_field = BackendSettings.model_fields["max_response_bytes"]
                sections += describe(cap_field)
                sections.append(f"# max_response_bytes = {cap_field.default}")
        elif name in _SECTIONS:
            section_cls = _SECTIONS[name]
            sections += ["", f"[{name}]"]
            for key, sub in section_cls.model_fields.items():
                sections += describe(sub)
                default = _toml_value(sub.default) if sub.default is not None else _EXAMPLES[key]
                sections.append(f"# {key} = {default}")
        elif name == "keymap":
            sections += ["", "[keymap]", *describe(field), '# quit = "ctrl+q"']
        else:
            lines += describe(field)
            if field.default is None:
                example = {
                    "token": '"..."',
                    "advisor_token_env": '"MY_TEAM_TOKEN"',
                    "data_dir": '"/path/to/advisor-tui-data"',
                    "mock_url": '"http://127.0.0.1:8765"',
                }[name]
                lines.append(f"# {name} = {example}")
            else:
                lines.append(f"# {name} = {_toml_value(field.default)}")
    return "\n".join(lines + sections) + "\n"


def write_default_config(path: Path, *, force: bool = False) -> Path:
    """Write the commented default config with mode 0600; refuse to overwrite unless forced.

    The mode is given to ``os.open`` at creation so the file is never readable
    by others, not even for the moment between create and chmod.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    payload = default_config_text().encode()
    if not force:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise ConfigError(f"{path}: already exists (use --force to overwrite)") from None
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        return path
    # Forced: write a fresh 0600 file beside it and swap it in, so a crash never
    # leaves a half-written config and the old file's looser mode is not kept.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
