"""The next-action rules, one module per family, each a pure function of a ``Situation``.

care (vulnerability), faults (honest ETA, interim service), money (automatic
compensation, goodwill credit), complaints (formal complaint, escalating a step
that says no), contact (the follow-up), offers (retention), coaching (hints on
how to say it). ``advisor_tui.services.actions.engine`` runs them and ranks.
"""
