import unicodedata

ALLOWED = "abcdefghijklmnopqrstuvwxyz0123456789"


def slugify(title: str, max_length: int = 40) -> str:
    if not max_length >= 1:
        raise ValueError("max_length too small")
    pieces = []
    pending_dash = False
    for char in unicodedata.normalize("NFKD", title):
        if unicodedata.combining(char) or not char.isascii():
            continue
        char = char.lower()
        if char in ALLOWED:
            if pending_dash and pieces:
                pieces.append("-")
            pieces.append(char)
            pending_dash = False
        else:
            pending_dash = True
    slug = "".join(pieces)
    if len(slug) > max_length:
        slug = slug[:max_length]
        while slug.endswith("-"):
            slug = slug[:-1]
    return slug
