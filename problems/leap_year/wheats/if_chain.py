def is_leap_year(year: int) -> bool:
    if type(year) is not int:
        raise TypeError("an int is required")
    if year < 1:
        raise ValueError("years start at 1")
    if year % 400 == 0:
        return True
    if year % 100 == 0:
        return False
    if year % 4 == 0:
        return True
    return False
