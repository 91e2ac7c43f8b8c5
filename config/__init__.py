"""Configuration: a frozen ``Settings`` from TOML file, environment and CLI overrides."""

from advisor_tui.config.settings import (
    APP_NAME,
    CONFIG_ENV,
    ENV_PREFIX,
    MASK,
    TOKEN_ENV,
    BackendSettings,
    BackendsSettings,
    ConfigError,
    RetrySettings,
    Settings,
    TimeoutSettings,
    config_path,
    default_config_text,
    load_settings,
    render_settings,
    write_default_config,
)

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "ENV_PREFIX",
    "MASK",
    "TOKEN_ENV",
    "BackendSettings",
    "BackendsSettings",
    "ConfigError",
    "RetrySettings",
    "Settings",
    "TimeoutSettings",
    "config_path",
    "default_config_text",
    "load_settings",
    "render_settings",
    "write_default_config",
]
