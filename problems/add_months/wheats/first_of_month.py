from datetime import date, timedelta


def _last_day(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


def add_months(d: date, months: int) -> date:
    if not isinstance(months, int) or months is True or months is False:
        raise TypeError("months must be an int")
    total = d.month - 1 + months
    year = d.year + total // 12
    month = total % 12 + 1
    try:
        first = date(year, month, 1)
    except ValueError:
        raise OverflowError("result is out of range") from None
    return first + timedelta(days=min(d.day, _last_day(year, month)) - 1)
