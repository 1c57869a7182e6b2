class TokenBucket:
    # Stores the moment at which the bucket is (or was) full instead of a token count.

    def __init__(self, capacity, refill_per_s, now):
        if not capacity >= 1:
            raise ValueError("bad capacity")
        if not refill_per_s > 0:
            raise ValueError("bad rate")
        self.capacity = capacity
        self.rate = refill_per_s
        self.full_at = now
        self.seen = now

    def _check_time(self, now):
        if now < self.seen:
            raise ValueError("clock moved backwards")

    def _level(self, now):
        missing = max(0.0, (self.full_at - now) * self.rate)
        return self.capacity - missing

    def tokens(self, now):
        self._check_time(now)
        self.seen = now
        return float(self._level(now))

    def allow(self, now, cost=1):
        self._check_time(now)
        if not 1 <= cost <= self.capacity:
            raise ValueError("bad cost")
        self.seen = now
        level = self._level(now)
        if level < cost:
            return False
        self.full_at = max(self.full_at, now) + cost / self.rate
        return True
