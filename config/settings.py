"""Settings: defaults < TOML file < ``ADVISOR_TUI_*`` environment < command-line overrides.

The settings object is frozen and passed down (never a mutable global), so a
widget cannot change a timeout behind a client's back. Every way a config can
be wrong ends in one ``ConfigError`` whose message names the file (or
environment variable, or option) and the key; the CLI prints it and exits 2.

This module holds the ``Settings`` model and its layers; the sections are in
``sections``, reading a config (and wording what is wrong with it) in
``loading``, and writing one out as TOML in ``rendering``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, HttpUrl, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from advisor_tui import APP_NAME as APP_NAME
from advisor_tui import CONFIG_ENV as CONFIG_ENV
from advisor_tui import ENV_PREFIX as ENV_PREFIX
from advisor_tui.config.sections import TMF_BACKENDS as TMF_BACKENDS
from advisor_tui.config.sections import BackendSettings as BackendSettings
from advisor_tui.config.sections import BackendsSettings as BackendsSettings
from advisor_tui.config.sections import DisplaySettings as DisplaySettings
from advisor_tui.config.sections import FaultsSettings as FaultsSettings
from advisor_tui.config.sections import Protocol as Protocol
from advisor_tui.config.sections import RetrySettings as RetrySettings
from advisor_tui.config.sections import RulesSettings as RulesSettings
from advisor_tui.config.sections import TimeoutSettings as TimeoutSettings

TOKEN_ENV = f"{ENV_PREFIX}TOKEN"
TEST_ENV_PREFIX = f"{ENV_PREFIX}TEST_"
"""Reserved for the test suite's own switches (e.g. which Chromium to drive)."""
MASK = "********"


class ConfigError(Exception):
    """A configuration that cannot be used. The message names where and which key."""


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
