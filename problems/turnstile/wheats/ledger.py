class Turnstile:
    """Keeps a ledger of money in and out; credit, state and counters are derived from it."""

    _COINS = [200, 100, 50, 20, 10, 5]

    def __init__(self, fare: int = 50) -> None:
        if not isinstance(fare, int) or fare < 1:
            raise ValueError(f"invalid fare {fare}")
        self._fare = fare
        self._paid_in = 0
        self._refunded = 0
        self._fares_taken = 0
        self._pushes = 0
        self._passages = 0

    @property
    def credit(self):
        return self._paid_in - self._refunded - self._fares_taken * self._fare

    @property
    def state(self):
        return "unlocked" if self._fares_taken > self._passages else "locked"

    @property
    def passages(self):
        return self._passages

    @property
    def alarms(self):
        return self._pushes - self._passages

    def _charge_if_possible(self):
        if self.state == "locked" and self.credit >= self._fare:
            self._fares_taken += 1

    def insert_coin(self, cents: int) -> None:
        if isinstance(cents, int) and cents in self._COINS:
            self._paid_in += cents
            self._charge_if_possible()
        else:
            raise ValueError("unknown coin")

    def push(self) -> bool:
        self._pushes += 1
        if self.state == "unlocked":
            self._passages += 1
            self._charge_if_possible()
            return True
        return False

    def refund(self) -> int:
        if self.state == "unlocked":
            raise ValueError("cannot refund now")
        amount = self.credit
        self._refunded += amount
        return amount
