COINS = frozenset({5, 10, 20, 50, 100, 200})


class Turnstile:
    def __init__(self, fare: int = 50):
        if not isinstance(fare, int) or fare <= 0:
            raise ValueError("fare must be a positive int")
        self._fare = fare
        self._state = "locked"
        self._credit = 0
        self._passages = 0
        self._alarms = 0

    @property
    def state(self) -> str:
        return self._state

    @property
    def credit(self) -> int:
        return self._credit

    @property
    def passages(self) -> int:
        return self._passages

    @property
    def alarms(self) -> int:
        return self._alarms

    def _try_unlock(self) -> None:
        if self._credit >= self._fare:
            self._credit -= self._fare
            self._state = "unlocked"

    def insert_coin(self, cents: int) -> None:
        if not isinstance(cents, int) or cents not in COINS:
            raise ValueError(f"not an accepted coin: {cents!r}")
        self._credit += cents
        self._try_unlock()

    def push(self) -> bool:
        if self._state == "locked":
            self._alarms += 1
            return False
        self._passages += 1
        self._state = "locked"
        self._try_unlock()
        return True

    def refund(self) -> int:
        if self._state == "unlocked":
            raise ValueError("no refund while unlocked")
        amount, self._credit = self._credit, 0
        return amount
