"""The next-actions service: ranked actions computed from live backend data."""
