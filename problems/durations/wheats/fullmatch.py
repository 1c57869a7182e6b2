import re

_DURATION = re.compile(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")


def parse_duration(text: str) -> int:
    stripped = text.strip(" \t")
    match = _DURATION.fullmatch(stripped)
    if not stripped or match is None:
        raise ValueError("invalid duration")
    hours, minutes, seconds = (int(g) if g is not None else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds
