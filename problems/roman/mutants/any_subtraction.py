import re

VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_TOO_MANY = re.compile(r"IIII|XXXX|CCCC|MMMM|VV|LL|DD")


def roman_to_int(text: str) -> int:
    if not text or any(symbol not in VALUES for symbol in text):
        raise ValueError(f"not a valid Roman numeral: {text!r}")
    if _TOO_MANY.search(text):
        raise ValueError(f"symbol repeated too often: {text!r}")
    total = 0
    for i, symbol in enumerate(text):
        value = VALUES[symbol]
        if i + 1 < len(text) and VALUES[text[i + 1]] > value:
            total -= value
        else:
            total += value
    if not 1 <= total <= 3999:
        raise ValueError("out of range")
    return total
