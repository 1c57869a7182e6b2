_PLACES = (
    ("", "M", "MM", "MMM"),
    ("", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"),
    ("", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"),
    ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"),
)


def _spell(number: int) -> str:
    digits = f"{number:04d}"
    return "".join(place[int(digit)] for place, digit in zip(_PLACES, digits))


_TABLE = {_spell(n): n for n in range(1, 4000)}


def roman_to_int(text: str) -> int:
    try:
        return _TABLE[text]
    except KeyError:
        raise ValueError("invalid Roman numeral") from None
