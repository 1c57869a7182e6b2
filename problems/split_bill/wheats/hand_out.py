def split_bill(total_cents, people):
    for arg in (total_cents, people):
        if isinstance(arg, bool) or not isinstance(arg, int):
            raise TypeError("expected an integer")
    if total_cents < 0:
        raise ValueError("negative total")
    if people < 1:
        raise ValueError("nobody to pay")
    base = total_cents // people
    shares = [base] * people
    leftover = total_cents - base * people
    for index in range(leftover):
        shares[index] += 1
    return shares
