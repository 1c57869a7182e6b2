def parse_duration(text: str) -> int:
    body = text.strip(" \t")
    if body == "":
        raise ValueError("empty")
    factors = {"h": 3600, "m": 60, "s": 1}
    allowed = ["h", "m", "s"]
    digits = ""
    result = 0
    for char in body:
        if char in "0123456789":
            digits += char
        elif char in factors:
            if not digits or char not in allowed:
                raise ValueError("bad part")
            allowed = allowed[allowed.index(char) + 1 :]
            result += int(digits) * factors[char]
            digits = ""
        else:
            raise ValueError("bad character")
    if digits:
        raise ValueError("number without unit")
    return result
