"""Our own pydantic models of the parts of the TM Forum Open APIs (v4) we use.

Written from the published v4 OpenAPI documents (TMF621, TMF629, TMF632,
TMF637, TMF638, TMF646, TMF656, TMF683), not copied from them. Every model
accepts fields it does not know (``extra="allow"``): operators and vendors
extend TMF resources freely, and a field we do not read must not fail a screen.

Both sides use these: the TMF adapters in ``advisor_tui.clients.tmf`` read them
and map them into the project's contract, and the mock's TMF profile
(``advisor_tui.mock.tmf``) builds them from the same scenario state as the
native backends. Where TMF has no field for what an advisor needs, the
extensions in ``extensions.py`` add it the TMF way: a documented ``@type``
with a ``@schemaLocation`` pointing at a JSON schema shipped in ``schemas/``.
"""
