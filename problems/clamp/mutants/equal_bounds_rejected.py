def clamp(value, low, high):
    if value != value or low != low or high != high:
        raise ValueError("clamp() does not accept NaN")
    if low >= high:
        raise ValueError(f"empty range: low {low!r} is not below high {high!r}")
    if value < low:
        return low
    if value > high:
        return high
    return value
