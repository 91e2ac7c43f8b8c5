"""Deployable backend services: the product's own rules and records, served over HTTP.

Unlike ``advisor_tui.mock`` (stand-in data for demos and tests), each service here
is something a contact centre runs for itself: ``actions`` computes next actions
from live customer, history and fault data read through the project's own
clients; ``decisions`` keeps the override log. Neither imports Textual.
"""
