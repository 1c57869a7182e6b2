import math


def _is_number(value) -> bool:
    """An int (a bool is one) or a finite float."""
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


class TokenBucket:
    """A token bucket driven by caller-supplied timestamps (in seconds)."""

    def __init__(self, capacity: int, refill_per_s: float, now: float):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError("capacity must be an int of at least 1")
        if not _is_number(refill_per_s) or refill_per_s <= 0:
            raise ValueError("refill_per_s must be a finite number greater than 0")
        if not _is_number(now):
            raise ValueError("now must be a finite number")
        self._capacity = capacity
        self._rate = refill_per_s
        self._tokens = float(capacity)
        self._last = now

    def _advance(self, now: float) -> None:
        if not _is_number(now):
            raise ValueError("now must be a finite number")
        elapsed = now - self._last
        self._tokens = min(float(self._capacity), self._tokens + elapsed * self._rate)
        self._last = now

    def allow(self, now: float, cost: int = 1) -> bool:
        if not _is_number(now):
            raise ValueError("now must be a finite number")
        if not isinstance(cost, int) or cost < 1 or cost > self._capacity:
            raise ValueError(f"cost must be an int from 1 to {self._capacity}")
        self._advance(now)
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False

    def tokens(self, now: float) -> float:
        self._advance(now)
        return self._tokens
