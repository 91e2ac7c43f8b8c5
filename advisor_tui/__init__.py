"""Advisor TUI: one terminal screen for contact-centre advisors."""

__version__ = "0.1.0"

APP_NAME = "advisor-tui"
"""The one name of the app: its command, and its config and data directories."""
