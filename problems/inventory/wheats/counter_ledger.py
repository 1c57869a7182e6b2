from collections import Counter


class Inventory:
    """A Counter that is validated on every change; removal goes through Counter subtraction."""

    def __init__(self, capacity):
        if isinstance(capacity, int) and capacity > 0:
            self._cap = capacity
        else:
            raise ValueError(capacity)
        self._c = Counter()

    def _valid(self, item, qty=1):
        ok_name = isinstance(item, str) and bool(item)
        ok_qty = isinstance(qty, int) and qty >= 1
        if not (ok_name and ok_qty):
            raise ValueError((item, qty))

    def add(self, item, qty):
        self._valid(item, qty)
        after = sum(self._c.values()) + qty
        if after > self._cap:
            raise OverflowError(after)
        self._c[item] += qty

    def remove(self, item, qty):
        self._valid(item, qty)
        if self._c[item] == 0:
            self._c.pop(item, None)
            raise KeyError(item)
        if self._c[item] - qty < 0:
            raise ValueError("insufficient stock")
        self._c.subtract({item: qty})
        self._c = +self._c  # drops items that reached zero
        return qty

    def count(self, item):
        self._valid(item)
        return self._c.get(item, 0)

    @property
    def total(self):
        return sum(self._c.values())

    def items(self):
        return [(name, self._c[name]) for name in sorted(self._c)]
