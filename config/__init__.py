"""Configuration: a frozen ``Settings`` from TOML file, environment and CLI overrides.

``settings`` holds the model and ``sections`` its parts; ``loading`` reads a
config and words its errors; ``rendering`` writes settings out as TOML.
"""

from advisor_tui.config.loading import config_path, load_settings
from advisor_tui.config.rendering import (
    default_config_text,
    render_settings,
    write_default_config,
)
from advisor_tui.config.settings import (
    APP_NAME,
    CONFIG_ENV,
    ENV_PREFIX,
    MASK,
    TOKEN_ENV,
    BackendSettings,
    BackendsSettings,
    ConfigError,
    Protocol,
    RetrySettings,
    Settings,
    TimeoutSettings,
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
    "Protocol",
    "RetrySettings",
    "Settings",
    "TimeoutSettings",
    "config_path",
    "default_config_text",
    "load_settings",
    "render_settings",
    "write_default_config",
]
