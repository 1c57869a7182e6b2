import re
from unicodedata import normalize


def slugify(title: str, max_length: int = 40) -> str:
    if max_length <= 0:
        raise ValueError(f"max_length must be positive, got {max_length}")
    plain = normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", plain.lower())
    slug = "-".join(words)
    cut = slug[:max_length]
    return cut[:-1] if cut.endswith("-") else cut
