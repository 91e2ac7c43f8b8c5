"""Advisor TUI: one terminal screen for contact-centre advisors."""

__version__ = "0.1.0"
