"""Exponential backoff with full jitter, for sources that fail (a URL that is down or serves garbage)."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """
    Delays that grow exponentially and are spread uniformly below their ceiling ("full jitter").

    After ``failures`` consecutive failures the next delay is uniform in ``[0, ceiling]`` with
    ``ceiling = min(cap, base * factor ** failures)``: many replicas polling one server do not
    retry in lockstep, and a long outage costs at most one request per ``cap`` seconds.
    """

    base: float = 1.0
    cap: float = 300.0
    factor: float = 2.0

    def ceiling(self, failures: int) -> float:
        """The largest delay after ``failures`` consecutive failures."""
        if failures <= 0:
            return min(self.cap, self.base)
        # Clamp the exponent: a source down for days must not overflow the float.
        return min(self.cap, self.base * self.factor ** min(failures, 64))

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """A random delay in ``[0, ceiling(failures)]``."""
        return (rng or random).uniform(0.0, self.ceiling(failures))
