import re

# [^\W_] is exactly the set of characters for which str.isalnum() is true.
_RUN = re.compile(r"(?:[^\W_]|')+")


def word_frequencies(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in _RUN.findall(text):
        word = run
        if word:
            key = word.casefold()
            counts[key] = counts.get(key, 0) + 1
    return counts
