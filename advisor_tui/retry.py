"""The one backoff policy: HTTP calls retrying a backend and the decision outbox
redelivering both wait by it, so "how long before trying again" has one formula.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with additive jitter, bounded in attempts and in total time.

    Defaults follow stamina's (initial 0.1 s, max 5 s), with fewer attempts and
    a shorter budget because an advisor is waiting on the other end. The
    outbox, which retries for as long as the app runs, uses only ``backoff``.
    """

    attempts: int = 3
    initial: float = 0.1
    maximum: float = 5.0
    jitter: float = 0.5
    total: float = 10.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first).

        Doubles from ``initial``; up to ``jitter`` seconds are added so many
        clients do not retry in lockstep when a service comes back; never more
        than ``maximum``.
        """
        base = self.initial * 2.0 ** min(retry - 1, 64)
        return min(self.maximum, base + rng.uniform(0, self.jitter))
