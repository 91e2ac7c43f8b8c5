"""advisor_tui/store."""
