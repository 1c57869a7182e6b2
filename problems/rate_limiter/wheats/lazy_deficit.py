class TokenBucket:
    # Stores the deficit (how many tokens a full bucket has more) instead of a token count, and
    # pays it back lazily, when a later call brings the bucket up to date.

    def __init__(self, capacity, refill_per_s, now):
        if type(capacity) not in (int, bool) or not capacity >= 1:
            raise ValueError("bad capacity")
        if not self._finite(refill_per_s) or not refill_per_s > 0:
            raise ValueError("bad rate")
        if not self._finite(now):
            raise ValueError("bad time")
        self.capacity = capacity
        self.rate = refill_per_s
        self.deficit = 0.0
        self.seen = now

    @staticmethod
    def _finite(x):
        if type(x) in (int, bool):
            return True
        return type(x) is float and x == x and x not in (float("inf"), float("-inf"))

    def _check_time(self, now):
        if not self._finite(now):
            raise ValueError("not a time")
        if now < self.seen:
            raise ValueError("clock moved backwards")

    def _catch_up(self, now):
        self.deficit = max(0.0, self.deficit - (now - self.seen) * self.rate)
        self.seen = now

    def tokens(self, now):
        self._check_time(now)
        self._catch_up(now)
        return float(self.capacity - self.deficit)

    def allow(self, now, cost=1):
        self._check_time(now)
        if type(cost) not in (int, bool) or not 1 <= cost <= self.capacity:
            raise ValueError("bad cost")
        self._catch_up(now)
        if self.capacity - self.deficit < cost:
            return False
        self.deficit += cost
        return True
