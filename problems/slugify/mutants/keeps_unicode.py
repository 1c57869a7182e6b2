import re
import unicodedata

_SEPARATORS = re.compile(r"[\W_]+")


def slugify(title: str, max_length: int = 40) -> str:
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    decomposed = unicodedata.normalize("NFKD", title)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    slug = _SEPARATORS.sub("-", unaccented.lower()).strip("-")
    return slug[:max_length].rstrip("-")
