"""The next-actions service: ranked actions for a customer, from live data, over HTTP.

Layout (the decisions service follows the same one):

* ``situation`` - the typed ``Situation`` the rules read, and ``RuleSettings``;
* ``rules/`` - one module per family, each a pure function of a ``Situation``;
* ``engine`` - runs the rules and ranks them into the contract's ``NextActions``;
* ``catalogue`` + ``process_steps.toml`` - the process steps (id, version, bounds,
  permission limits) as data;
* ``tables`` + ``regulation.toml`` - dated rates, ombudsman rules and bank
  holidays as data with sources; ``regulation`` - the sums built on them;
* ``reasons`` - the decline and override reason codes;
* ``service`` - fetches a ``Situation`` through the project's clients;
* ``app`` - the HTTP routes and the deployable FastAPI app;
* ``serve`` - the ``advisor-tui serve actions`` command.

Nothing here imports Textual or the mock.
"""
