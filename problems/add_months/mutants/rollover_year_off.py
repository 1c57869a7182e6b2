from datetime import MAXYEAR, MINYEAR, date

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and _is_leap(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_months(d: date, months: int) -> date:
    if isinstance(months, bool) or not isinstance(months, int):
        raise TypeError(f"months must be an int, not {type(months).__name__}")
    # Count months from the start of year 0 so that divmod handles both directions.
    year = d.year + (d.month + months) // 12
    month = (d.month + months) % 12 or 12
    if not MINYEAR <= year <= MAXYEAR:
        raise OverflowError("date value out of range")
    day = min(d.day, _days_in_month(year, month))
    return date(year, month, day)
