ACCEPTED = (5, 10, 20, 50, 100, 200)


class Turnstile:
    """Event-driven: every event goes through a transition table keyed by (state, event)."""

    def __init__(self, fare=50):
        if not fare > 0:
            raise ValueError("fare")
        self.fare = fare
        self.state = "locked"
        self.credit = 0
        self.passages = 0
        self.alarms = 0
        self._table = {
            ("locked", "paid"): "unlocked",
            ("unlocked", "paid"): "unlocked",
            ("locked", "push"): "locked",
            ("unlocked", "push"): "locked",
        }

    def _settle(self):
        while self.state == "locked" and self.credit >= self.fare:
            self.credit -= self.fare
            self.state = self._table[(self.state, "paid")]

    def insert_coin(self, cents):
        if not any(cents == coin for coin in ACCEPTED):
            raise ValueError("coin rejected")
        self.credit = self.credit + cents
        self._settle()

    def push(self):
        passed = self.state == "unlocked"
        if passed:
            self.passages += 1
        else:
            self.alarms += 1
        self.state = self._table[(self.state, "push")]
        self._settle()
        return passed

    def refund(self):
        if self.state != "locked":
            raise ValueError("refund refused: turnstile is unlocked")
        paid_back = self.credit
        self.credit -= paid_back
        return paid_back
