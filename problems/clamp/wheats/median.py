def clamp(value, low, high):
    if any(x != x for x in (low, value, high)):
        raise ValueError("nan")
    if high < low:
        raise ValueError("low must not exceed high")
    # sorted() is stable: on ties, value keeps its place between low and high.
    return sorted((low, value, high))[1]
