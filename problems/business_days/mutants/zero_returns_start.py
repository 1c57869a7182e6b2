from datetime import date, datetime, timedelta

_RANGE = date.max.toordinal()  # more days than any move between two supported dates


def _is_business_day(day, holidays):
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    if not isinstance(start, date) or isinstance(start, datetime):
        raise TypeError(f"start must be a datetime.date, not {type(start).__name__}")
    if not isinstance(days, int):
        raise TypeError(f"days must be an int, not {type(days).__name__}")
    if abs(days) >= _RANGE:  # the result lies outside the supported dates whatever the calendar: no need to walk
        raise OverflowError("date value out of range")
    current = start
    if days == 0:
        return current
    step = timedelta(days=1 if days > 0 else -1)
    remaining = abs(days)
    while remaining:
        current += step
        if _is_business_day(current, holidays):
            remaining -= 1
    return current
