import math
from dataclasses import dataclass, field


def _finite(value) -> bool:
    # abs() of NaN or of an infinity is not below infinity; bools and ints of any size are
    return isinstance(value, (int, float)) and abs(value) < math.inf


@dataclass
class TokenBucket:
    capacity: int
    refill_per_s: float
    now: float
    _level: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self):
        if not isinstance(self.capacity, int) or self.capacity < 1:
            raise ValueError("capacity must be an int >= 1")
        if not _finite(self.refill_per_s) or self.refill_per_s <= 0:
            raise ValueError("refill_per_s must be finite and > 0")
        if not _finite(self.now):
            raise ValueError("now must be finite")
        self._level = self.capacity * 1.0
        self._stamp = self.now

    def _refilled(self, now):
        if not _finite(now):
            raise ValueError(f"now={now!r} is not a finite number")
        if now < self._stamp:
            raise ValueError(f"now={now} is earlier than {self._stamp}")
        gained = (now - self._stamp) * self.refill_per_s
        return min(self._level + gained, self.capacity * 1.0)

    def tokens(self, now: float) -> float:
        level = self._refilled(now)
        self._level, self._stamp = level, now
        return level

    def allow(self, now: float, cost: int = 1) -> bool:
        level = self._refilled(now)
        if not isinstance(cost, int) or cost not in range(1, self.capacity + 1):
            raise ValueError("cost out of range")
        self._stamp = now
        if cost <= level:
            self._level = level - cost
            return True
        self._level = level
        return False
