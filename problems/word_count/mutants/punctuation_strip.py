import string


def word_frequencies(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for token in text.split():
        word = token.strip(string.punctuation)
        if word:
            key = word.casefold()
            counts[key] = counts.get(key, 0) + 1
    return counts
