import calendar
import datetime


def add_months(d, months):
    if type(months) is bool or not isinstance(months, int):
        raise TypeError("months must be an integer")
    years, rest = divmod(abs(months), 12)
    sign = 1 if months >= 0 else -1
    year = d.year + sign * years
    month = d.month + sign * rest
    if month > 12:
        year, month = year + 1, month - 12
    elif month < 1:
        year, month = year - 1, month + 12
    if year < datetime.MINYEAR or year > datetime.MAXYEAR:
        raise OverflowError(f"year {year} is out of range")
    last_day = calendar.monthrange(year, month)[1]
    return d.replace(year=year, month=month, day=min(d.day, last_day))
