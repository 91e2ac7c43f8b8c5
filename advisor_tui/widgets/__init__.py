"""advisor_tui/widgets."""
