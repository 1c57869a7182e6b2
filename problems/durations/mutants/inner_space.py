import re

_PART = re.compile(r"\s*([0-9]+)([hms])")
_SECONDS = {"h": 3600, "m": 60, "s": 1}
_ORDER = "hms"


def parse_duration(text: str) -> int:
    text = text.strip(" \t")
    if not text:
        raise ValueError("empty duration")
    total, pos, last = 0, 0, -1
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise ValueError(f"invalid duration: {text!r}")
        unit_index = _ORDER.index(match.group(2))
        if unit_index <= last:
            raise ValueError("units must appear in the order h, m, s, each once")
        last = unit_index
        total += int(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    return total
