from datetime import date

_FIRST, _LAST = date.min.toordinal(), date.max.toordinal()


def add_business_days(start, days, holidays=frozenset()):
    if type(start) is not date:
        raise TypeError("start has to be a plain date")
    if type(days) not in (int, bool):
        raise TypeError("days has to be an int")
    if days > _LAST - _FIRST or -days > _LAST - _FIRST:
        raise OverflowError("too many days")

    def is_open(ordinal):
        if not _FIRST <= ordinal <= _LAST:
            raise OverflowError("date value out of range")
        # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is the weekday (0 = Monday).
        return (ordinal - 1) % 7 < 5 and date.fromordinal(ordinal) not in holidays

    day = start.toordinal()
    if days == 0:
        while not is_open(day):
            day += 1
        return date.fromordinal(day)
    direction = 1 if days > 0 else -1
    left = abs(days)
    while left > 0:
        day += direction
        if is_open(day):
            left -= 1
    return date.fromordinal(day)
