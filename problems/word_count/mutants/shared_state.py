import re

# [^\W_] is exactly the set of characters for which str.isalnum() is true.
_RUN = re.compile(r"(?:[^\W_]|')+")
_counts: dict[str, int] = {}


def word_frequencies(text: str) -> dict[str, int]:
    for run in _RUN.findall(text):
        word = run.strip("'")
        if word:
            key = word.casefold()
            _counts[key] = _counts.get(key, 0) + 1
    return dict(_counts)
