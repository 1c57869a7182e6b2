SYMBOLS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]
SINGLE = {s: v for v, s in SYMBOLS if len(s) == 1}


def to_roman(number: int) -> str:
    out = []
    for value, symbol in SYMBOLS:
        count, number = divmod(number, value)
        out.append(symbol * count)
    return "".join(out)


def roman_to_int(text: str) -> int:
    # Read leniently, then accept only if writing the number back gives the very same text.
    if any(ch not in SINGLE for ch in text):
        raise ValueError("unknown symbol")
    total = 0
    previous = 0
    for ch in reversed(text):
        value = SINGLE[ch]
        if value < previous:
            total -= value
        else:
            total += value
            previous = value
    if not 1 <= total <= 3999 or to_roman(total) != text:
        raise ValueError("not in standard form")
    return total
