import datetime
import itertools


def _walk(first, step):
    day = first
    while True:
        yield day
        day += step


def add_business_days(start, days, holidays=frozenset()):
    if isinstance(start, datetime.datetime) or not isinstance(start, datetime.date):
        raise TypeError("start must be a date")
    if not isinstance(days, int):
        raise TypeError("days must be an int")
    if abs(days) > (datetime.date.max - datetime.date.min).days:
        raise OverflowError("no supported date is that many business days away")
    closed = frozenset(holidays)
    step = datetime.timedelta(days=-1 if days < 0 else 1)
    first = start if days == 0 else start + step
    open_days = (d for d in _walk(first, step) if d.isoweekday() <= 5 and d not in closed)
    return next(itertools.islice(open_days, max(abs(days) - 1, 0), None))
