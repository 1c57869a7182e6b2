import re

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = 40) -> str:
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    ascii_only = title.encode("ascii", "ignore").decode("ascii")
    slug = _SEPARATORS.sub("-", ascii_only.lower()).strip("-")
    return slug[:max_length].rstrip("-")
