import math


def clamp(value, low, high):
    for x in (value, low, high):
        if isinstance(x, float) and not math.isfinite(x):
            raise ValueError("clamp() only accepts finite numbers")
    if low > high:
        raise ValueError(f"empty range: low {low!r} is greater than high {high!r}")
    if value < low:
        return low
    if value > high:
        return high
    return value
