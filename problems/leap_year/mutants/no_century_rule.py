def is_leap_year(year: int) -> bool:
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, not {type(year).__name__}")
    if year <= 0:
        raise ValueError(f"year must be at least 1, got {year}")
    return year % 4 == 0
