class Inventory:
    def __init__(self, capacity: int):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError("capacity must be an int of at least 1")
        self._capacity = capacity
        self._stock: dict[str, int] = {}

    @staticmethod
    def _check_name(item) -> None:
        if not isinstance(item, str) or item == "":
            raise ValueError("item name must be a non-empty string")

    @staticmethod
    def _check_qty(qty: int) -> None:
        if not isinstance(qty, int) or qty < 1:
            raise ValueError("quantity must be an int of at least 1")

    def add(self, item: str, qty: int) -> None:
        self._check_name(item)
        self._check_qty(qty)
        if self.total + qty > self._capacity:
            raise OverflowError("capacity exceeded")
        self._stock[item] = self._stock.get(item, 0) + qty

    def remove(self, item: str, qty: int) -> int:
        self._check_name(item)
        self._check_qty(qty)
        if item not in self._stock:
            raise ValueError(f"unknown item {item!r}")
        held = self._stock[item]
        if qty > held:
            raise ValueError(f"only {held} of {item!r} held")
        if qty == held:
            del self._stock[item]
        else:
            self._stock[item] = held - qty
        return qty

    def count(self, item: str) -> int:
        self._check_name(item)
        return self._stock.get(item, 0)

    @property
    def total(self) -> int:
        return sum(self._stock.values())

    def items(self) -> list[tuple[str, int]]:
        return sorted(self._stock.items())
