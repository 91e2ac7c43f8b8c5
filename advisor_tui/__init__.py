"""Advisor TUI: one terminal screen for contact-centre advisors."""

__version__ = "0.1.0"

APP_NAME = "advisor-tui"
"""The one name of the app: its command, and its config and data directories."""

ENV_PREFIX = "ADVISOR_TUI_"
"""Every environment variable of the app's config starts with this."""
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"
"""Names the config file (below ``--config``, above the user config directory)."""
