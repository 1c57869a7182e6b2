ACCEPTED = (5, 10, 20, 50, 100, 200)


class Turnstile:
    """Event-driven: every event goes through a transition table keyed by (state, event)."""

    def __init__(self, fare=50):
        if type(fare) not in (int, bool) or not fare > 0:
            raise ValueError("fare")
        self.fare = fare
        self._state = "locked"
        self._credit = 0
        self._passages = 0
        self._alarms = 0
        self._table = {
            ("locked", "paid"): "unlocked",
            ("unlocked", "paid"): "unlocked",
            ("locked", "push"): "locked",
            ("unlocked", "push"): "locked",
        }

    # read-only views of the machine's data
    state = property(lambda self: self._state)
    credit = property(lambda self: self._credit)
    passages = property(lambda self: self._passages)
    alarms = property(lambda self: self._alarms)

    def _settle(self):
        while self._state == "locked" and self._credit >= self.fare:
            self._credit -= self.fare
            self._state = self._table[(self._state, "paid")]

    def insert_coin(self, cents):
        if type(cents) is not int or not any(cents == coin for coin in ACCEPTED):
            raise ValueError("coin rejected")
        self._credit = self._credit + cents
        self._settle()

    def push(self):
        passed = self._state == "unlocked"
        if passed:
            self._passages += 1
        else:
            self._alarms += 1
        self._state = self._table[(self._state, "push")]
        self._settle()
        return passed

    def refund(self):
        if self._state != "locked":
            raise ValueError("refund refused: turnstile is unlocked")
        paid_back = self._credit
        self._credit -= paid_back
        return paid_back
