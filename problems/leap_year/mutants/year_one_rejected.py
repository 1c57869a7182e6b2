def is_leap_year(year: int) -> bool:
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, not {type(year).__name__}")
    if year <= 1:
        raise ValueError(f"year must be at least 1, got {year}")
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
