def is_leap_year(year: int) -> bool:
    if isinstance(year, bool) or not isinstance(year, int) or year <= 0:
        raise ValueError(f"year must be a positive int, got {year!r}")
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
