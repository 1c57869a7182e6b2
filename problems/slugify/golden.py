import re
import unicodedata

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = 40) -> str:
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    decomposed = unicodedata.normalize("NFKD", title)
    # Combining marks are not ASCII, so this drops them together with everything else non-ASCII.
    ascii_only = "".join(char for char in decomposed if ord(char) < 128)
    slug = _SEPARATORS.sub("-", ascii_only.lower()).strip("-")
    return slug[:max_length].rstrip("-")
