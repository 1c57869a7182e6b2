import re
import unicodedata

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = 40) -> str:
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    title = title[:max_length]
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_only = "".join(char for char in decomposed if ord(char) < 128)
    return _SEPARATORS.sub("-", ascii_only.lower()).strip("-")
