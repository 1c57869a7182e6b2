def split_bill(total_cents: int, people: int) -> list[int]:
    if type(total_cents) is not int or type(people) is not int:
        raise TypeError("split_bill takes two ints")
    if people <= 0 or total_cents < 0:
        raise ValueError("need at least one person and a non-negative total")
    # Share i is ceil((total - i) / people): the shares come out in non-increasing order.
    return [(total_cents + people - 1 - i) // people for i in range(people)]
