"""The decisions service: the override log, its chain and the supervisor's queries."""
