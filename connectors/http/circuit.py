"""A circuit breaker per agency: stop calling a system that keeps failing, and probe it now and then.

Small and documented rather than a dependency: the maintained asyncio breakers either wrap calls in
decorators bound at import time or keep state in a store of their own, and this needs neither.

- **closed**: calls go through; ``threshold`` failed calls in a row open it.
- **open**: calls are refused at once (``allow`` is False) for ``reset_seconds``, so an agency that is
  down costs a request nothing but a clock read.
- **half_open**: then one call at a time goes through as a probe: its success closes the circuit, its
  failure opens it again for another ``reset_seconds``. A probe abandoned (its request cancelled) gives
  no verdict and frees the slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, threshold: int = 5, reset_seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at < self.reset_seconds:
            return "open"
        return "half_open"

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open state, it becomes the probe)."""
        state = self.state
        if state == "closed":
            return True
        if state == "open" or self._probing:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def failed(self) -> None:
        self._probing = False
        self._failures += 1
        if self._opened_at is not None or self._failures >= self.threshold:
            self._opened_at = self._clock()

    def abandoned(self) -> None:
        self._probing = False
