"""Settings: defaults < TOML file < ``ADVISOR_TUI_*`` environment < command-line overrides.

The settings object is frozen and passed down (never a mutable global), so a
widget cannot change a timeout behind a client's back. Every way a config can
be wrong ends in one ``ConfigError`` whose message names the file (or
environment variable, or option) and the key; the CLI prints it and exits 2.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_dir
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from advisor_tui import APP_NAME as APP_NAME
from advisor_tui.contract.common import Backend
from advisor_tui.contract.faults import RESOLVED_WITHIN_DAYS, RESOLVED_WITHIN_DAYS_MAX
from advisor_tui.formatting import DEFAULT_ZONE, DisplayTime, load_zone

ENV_PREFIX = "ADVISOR_TUI_"
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"
TOKEN_ENV = f"{ENV_PREFIX}TOKEN"
TEST_ENV_PREFIX = f"{ENV_PREFIX}TEST_"
"""Reserved for the test suite's own switches (e.g. which Chromium to drive)."""
MASK = "********"


class ConfigError(Exception):
    """A configuration that cannot be used. The message names where and which key."""


class _Section(BaseModel):
    # Unknown keys are errors, not silently ignored: a typo such as ``conect``
    # would otherwise leave the default in force with no hint why.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Protocol(StrEnum):
    """What a backend speaks: this project's contract, or the TM Forum Open APIs (v4)."""

    NATIVE = "native"
    TMF = "tmf"


# Backends with a TM Forum adapter (advisor_tui.clients.tmf); the others speak native only.
TMF_BACKENDS = frozenset({Backend.CUSTOMERS, Backend.FAULTS})


class BackendSettings(_Section):
    url: HttpUrl | None = Field(
        default=None, description="Base URL of this backend; the contract paths hang off it."
    )
    protocol: Protocol = Field(
        default=Protocol.NATIVE,
        description='"native" (this project\'s contract) or "tmf" (TM Forum Open API v4 '
        "under <url>/tmf-api/...; customers and faults only).",
    )
    max_response_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest answer body read from this backend; a bigger one is refused "
        "as 'answer too large' without reading it to the end.",
    )


class BackendsSettings(_Section):
    identity: BackendSettings = BackendSettings()
    customers: BackendSettings = BackendSettings()
    faults: BackendSettings = BackendSettings()
    actions: BackendSettings = BackendSettings()
    decisions: BackendSettings = BackendSettings()

    def url(self, backend: Backend) -> HttpUrl | None:
        return self.section(backend).url

    def section(self, backend: Backend) -> BackendSettings:
        section: BackendSettings = getattr(self, backend.value)
        return section

    def protocol(self, backend: Backend) -> Protocol:
        section: BackendSettings = getattr(self, backend.value)
        return section.protocol

    @property
    def configured(self) -> list[Backend]:
        return [b for b in Backend if self.url(b) is not None]

    @model_validator(mode="after")
    def _all_or_none(self) -> BackendsSettings:
        # Half a deployment is worse than none: the screen would mix real data
        # with nothing, so either every backend has a URL or none (the demo).
        configured = self.configured
        if configured and len(configured) < len(Backend):
            missing = ", ".join(b.value for b in Backend if b not in configured)
            raise ValueError(
                f"no URL for {missing}; set a URL for all five backends, "
                "or none to run the embedded demo"
            )
        return self

    @model_validator(mode="after")
    def _tmf_where_adapted(self) -> BackendsSettings:
        for backend in Backend:
            if self.protocol(backend) is Protocol.TMF and backend not in TMF_BACKENDS:
                raise ValueError(
                    f"{backend.value}.protocol: only customers and faults can speak tmf"
                )
        return self


class TimeoutSettings(_Section):
    connect: float = Field(default=2.0, gt=0, description="Seconds to open a connection.")
    read: float = Field(default=5.0, gt=0, description="Seconds to wait for response data.")
    write: float = Field(default=5.0, gt=0, description="Seconds to send request data.")
    pool: float = Field(default=2.0, gt=0, description="Seconds to wait for a free connection.")


class RetrySettings(_Section):
    attempts: int = Field(default=3, ge=1, le=20, description="Tries per call, the first included.")
    initial: float = Field(default=0.1, ge=0, description="First backoff, seconds.")
    max: float = Field(default=5.0, ge=0, description="Longest single backoff, seconds.")
    jitter: float = Field(default=0.5, ge=0, description="Random extra backoff, 0..jitter seconds.")
    total: float = Field(
        default=10.0, gt=0, description="Give up retrying once a call has taken this long, seconds."
    )


class DisplaySettings(_Section):
    timezone: str = Field(
        default=DEFAULT_ZONE,
        description="IANA time zone every time is shown in (e.g. Europe/London, UTC).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        load_zone(value)  # raises ValueError naming the zone; _describe names the key
        return value

    @property
    def times(self) -> DisplayTime:
        return DisplayTime.named(self.timezone)


class FaultsSettings(_Section):
    resolved_within_days: int = Field(
        default=RESOLVED_WITHIN_DAYS,
        ge=0,
        le=RESOLVED_WITHIN_DAYS_MAX,
        description="How many days a fixed fault stays in the Faults panel, with its ETA "
        "history, and keeps earning the compensation still owed for it.",
    )


class RulesSettings(_Section):
    """For ``advisor-tui serve actions``: how the next-action rules read the regulation."""

    rates: Path | None = Field(
        default=None,
        description="Regulation tables (TOML laid out as the shipped regulation.toml); "
        "default: the tables shipped with the package.",
    )
    rate_reading: Literal["each-day", "at-start"] = Field(
        default="each-day",
        description='A loss spanning 1 April: "each-day" pays each day at its own rate, '
        '"at-start" pays every day at the rate when the problem started.',
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    backends: BackendsSettings = BackendsSettings()
    timeouts: TimeoutSettings = TimeoutSettings()
    retry: RetrySettings = RetrySettings()
    display: DisplaySettings = DisplaySettings()
    faults: FaultsSettings = FaultsSettings()
    rules: RulesSettings = RulesSettings()
    token: SecretStr | None = Field(
        default=None,
        description="Advisor identity bearer token sent to every backend. Prefer the "
        f"environment ({TOKEN_ENV}) to keeping it in this file.",
    )
    advisor_token_env: str | None = Field(
        default=None,
        description="Name of another environment variable to read the token from, "
        "when token is not set.",
    )
    theme: str = Field(default="textual-dark", description="Textual theme name.")
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description="Binding id -> keys, replacing the default keys of that binding.",
    )
    data_dir: Path | None = Field(
        default=None, description="Where the local decision store lives (default: user data dir)."
    )
    slow_ms: int = Field(
        default=1000, ge=1, description="A backend answering slower than this shows as slow."
    )
    mock_url: HttpUrl | None = Field(
        default=None,
        description="Root URL of a running 'advisor-tui mock serve' (e.g. "
        "http://127.0.0.1:8765): every backend at its prefix, for the app and the "
        "decisions commands alike. Instead of [backends] URLs, not with them.",
    )

    @model_validator(mode="before")
    @classmethod
    def _token_from_named_env(cls, data: Any) -> Any:
        # Deployments often already export the token under their own name; let
        # the config point at it instead of copying the secret into a file.
        if isinstance(data, dict) and data.get("token") is None:
            name = data.get("advisor_token_env")
            if isinstance(name, str) and os.environ.get(name):
                return {**data, "token": os.environ[name]}
        return data

    @model_validator(mode="after")
    def _mock_or_backends(self) -> Settings:
        if self.mock_url is not None and self.backends.configured:
            raise ValueError(
                "mock_url and backend URLs are both set; use mock_url for a mock "
                "server, or [backends] URLs for a deployment"
            )
        return self

    @property
    def is_demo(self) -> bool:
        """No backend URLs and no mock URL: run the embedded in-process mock backends."""
        return not self.backends.configured and self.mock_url is None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win. The file layer is chosen at run time (--config),
        # which a class-level ``toml_file`` cannot express, so ``load_settings``
        # hands the parsed file over through a context variable.
        file_data = _FILE_DATA.get() or {}
        return (init_settings, env_settings, InitSettingsSource(settings_cls, file_data))


_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("advisor_tui_config_file", default=None)


@contextmanager
def _file_layer(data: dict[str, Any]) -> Iterator[None]:
    token = _FILE_DATA.set(data)
    try:
        yield
    finally:
        _FILE_DATA.reset(token)


def config_path(explicit: Path | None = None) -> Path:
    """The config file to read: ``--config`` > ``$ADVISOR_TUI_CONFIG`` > the user config dir."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


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


# -- rendering -------------------------------------------------------------------------------


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
