import bisect


class Inventory:
    """Keeps parallel sorted lists of names and quantities, plus a running total."""

    def __init__(self, capacity: int):
        if not isinstance(capacity, int) or not capacity >= 1:
            raise ValueError("bad capacity")
        self.capacity = capacity
        self._names: list[str] = []
        self._qtys: list[int] = []
        self._total = 0

    def _find(self, item):
        if not isinstance(item, str) or len(item) == 0:
            raise ValueError("bad name")
        i = bisect.bisect_left(self._names, item)
        return i, i < len(self._names) and self._names[i] == item

    def add(self, item, qty):
        i, found = self._find(item)
        if not isinstance(qty, int) or not qty > 0:
            raise ValueError("bad quantity")
        if qty > self.capacity - self._total:
            raise OverflowError(f"only room for {self.capacity - self._total}")
        if found:
            self._qtys[i] += qty
        else:
            self._names.insert(i, item)
            self._qtys.insert(i, int(qty))  # a plain int, even for qty=True
        self._total += qty

    def remove(self, item, qty):
        i, found = self._find(item)
        if not isinstance(qty, int) or qty <= 0:
            raise ValueError("bad quantity")
        if not found:
            raise KeyError(f"no such item: {item}")
        if self._qtys[i] < qty:
            raise ValueError("not enough")
        self._qtys[i] -= qty
        self._total -= qty
        if self._qtys[i] == 0:
            del self._names[i]
            del self._qtys[i]
        return qty

    def count(self, item):
        i, found = self._find(item)
        return self._qtys[i] if found else 0

    @property
    def total(self):
        return self._total

    def items(self):
        return list(zip(self._names, self._qtys))
