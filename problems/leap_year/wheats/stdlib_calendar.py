import calendar


def is_leap_year(year: int) -> bool:
    if type(year) is bool or not isinstance(year, int):
        raise TypeError("year: expected int")
    if not year > 0:
        raise ValueError("year: expected a positive number")
    return bool(calendar.isleap(year))
