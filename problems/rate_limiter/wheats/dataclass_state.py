from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    capacity: int
    refill_per_s: float
    now: float
    _level: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self):
        if self.capacity < 1 or self.refill_per_s <= 0:
            raise ValueError("capacity must be >= 1 and refill_per_s > 0")
        self._level = self.capacity * 1.0
        self._stamp = self.now

    def _refilled(self, now):
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
        if cost not in range(1, self.capacity + 1):
            raise ValueError("cost out of range")
        self._stamp = now
        if cost <= level:
            self._level = level - cost
            return True
        self._level = level
        return False
