class TokenBucket:
    """A token bucket driven by caller-supplied timestamps (in seconds)."""

    def __init__(self, capacity: int, refill_per_s: float, now: float):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if refill_per_s <= 0:
            raise ValueError("refill_per_s must be positive")
        self._capacity = capacity
        self._rate = refill_per_s
        self._tokens = float(capacity)
        self._last = now

    def _advance(self, now: float) -> None:
        if now < self._last:
            raise ValueError("time went backwards")
        elapsed = now - self._last
        self._tokens = self._tokens + elapsed * self._rate
        self._last = now

    def allow(self, now: float, cost: int = 1) -> bool:
        if now < self._last:
            raise ValueError("time went backwards")
        if cost < 1 or cost > self._capacity:
            raise ValueError(f"cost must be between 1 and {self._capacity}")
        self._advance(now)
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False

    def tokens(self, now: float) -> float:
        self._advance(now)
        return self._tokens
