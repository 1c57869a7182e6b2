def split_bill(total_cents: int, people: int) -> list[int]:
    for name, value in (("total_cents", total_cents), ("people", people)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if people == 0:
        raise ValueError("people must be at least 1")
    if total_cents < 0:
        raise ValueError("total_cents must not be negative")
    share, remainder = divmod(total_cents, people)
    return [share + 1 if i < remainder else share for i in range(people)]
