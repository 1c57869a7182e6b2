from collections import Counter
from itertools import groupby


def _is_word_char(char: str) -> bool:
    return char == "'" or char.isalnum()


def word_frequencies(text: str) -> dict[str, int]:
    runs = ("".join(chars) for inside, chars in groupby(text, key=_is_word_char) if inside)
    words = [run.strip("'").casefold() for run in runs]
    # Counter remembers the order in which keys were first counted.
    return dict(Counter(word for word in words if word))
