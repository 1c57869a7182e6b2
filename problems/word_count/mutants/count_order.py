import re
from collections import Counter

# [^\W_] is exactly the set of characters for which str.isalnum() is true.
_RUN = re.compile(r"(?:[^\W_]|')+")


def word_frequencies(text: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for run in _RUN.findall(text):
        word = run.strip("'")
        if word:
            counts[word.casefold()] += 1
    return dict(counts.most_common())
