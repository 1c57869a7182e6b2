import re

_NUMERAL = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_to_int(text: str) -> int:
    if _NUMERAL.fullmatch(text) is None:
        raise ValueError(f"not a valid Roman numeral: {text!r}")
    total = 0
    for i, symbol in enumerate(text):
        value = _VALUES[symbol]
        if i + 1 < len(text) and _VALUES[text[i + 1]] > value:
            total -= value  # subtractive pair such as IV or CM
        else:
            total += value
    return total
