import re

_RUN = re.compile(r"[\w']+")


def word_frequencies(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in _RUN.findall(text):
        word = run.strip("'")
        if word:
            key = word.casefold()
            counts[key] = counts.get(key, 0) + 1
    return counts
