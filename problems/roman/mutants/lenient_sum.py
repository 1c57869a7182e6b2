VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_to_int(text: str) -> int:
    if not text:
        raise ValueError("empty numeral")
    total = 0
    for i, symbol in enumerate(text):
        if symbol not in VALUES:
            raise ValueError(f"unknown symbol {symbol!r}")
        value = VALUES[symbol]
        if i + 1 < len(text) and text[i + 1] in VALUES and VALUES[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total
