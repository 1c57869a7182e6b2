def word_frequencies(text: str) -> dict[str, int]:
    result = {}
    current = ""
    for char in text + " ":
        if char.isalnum() or char == "'":
            current += char
            continue
        word = current.strip("'")
        current = ""
        if word == "":
            continue
        word = word.casefold()
        if word in result:
            result[word] += 1
        else:
            result[word] = 1
    return result
