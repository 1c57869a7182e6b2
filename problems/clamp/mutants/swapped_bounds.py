def clamp(value, low, high):
    if value != value or low != low or high != high:
        raise ValueError("clamp() does not accept NaN")
    if low > high:
        low, high = high, low
    if value < low:
        return low
    if value > high:
        return high
    return value
