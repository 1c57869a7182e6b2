import math


def _is_nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def clamp(value, low, high):
    if _is_nan(value) or _is_nan(low) or _is_nan(high):
        raise ValueError("NaN argument")
    if not low <= high:
        raise ValueError("bounds out of order")
    return value if low <= value <= high else (low if value < low else high)
