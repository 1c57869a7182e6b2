import operator


def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    disjoint: list[tuple[int, int]] = []
    for low, high in intervals:
        if low > high:
            raise ValueError("start must not exceed end")
        low, high = operator.index(low), operator.index(high)  # bool -> plain int
        survivors = []
        for other_low, other_high in disjoint:
            if other_high < low or other_low > high:
                survivors.append((other_low, other_high))
            else:
                low, high = min(low, other_low), max(high, other_high)
        survivors.append((low, high))
        disjoint = survivors
    disjoint.sort()
    return disjoint
