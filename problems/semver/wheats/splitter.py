DIGITS = "0123456789"
IDENTIFIER_CHARS = set(DIGITS + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")


def _identifiers(text):
    parts = text.split(".")
    for part in parts:
        if part == "" or not set(part) <= IDENTIFIER_CHARS:
            raise ValueError("bad identifier")
    return parts


def _numeric(part):
    return all(char in DIGITS for char in part)


def _parse(version):
    rest, plus, build = version.partition("+")
    if plus:
        _identifiers(build)
    core, dash, pre = rest.partition("-")
    numbers = core.split(".")
    if len(numbers) != 3:
        raise ValueError("need MAJOR.MINOR.PATCH")
    for number in numbers:
        if number == "" or not _numeric(number) or (number[0] == "0" and len(number) > 1):
            raise ValueError("bad version number")
    prerelease = []
    if dash:
        prerelease = _identifiers(pre)
        for part in prerelease:
            if _numeric(part) and part[0] == "0" and len(part) > 1:
                raise ValueError("leading zero")
    return [int(n) for n in numbers], prerelease


def _cmp(x, y):
    if x < y:
        return -1
    if x > y:
        return 1
    return 0


def _compare_identifier(x, y):
    x_num, y_num = _numeric(x), _numeric(y)
    if x_num and y_num:
        return _cmp(int(x), int(y))
    if x_num:
        return -1
    if y_num:
        return 1
    return _cmp(x, y)


def compare_versions(a: str, b: str) -> int:
    core_a, pre_a = _parse(a)
    core_b, pre_b = _parse(b)
    for x, y in zip(core_a, core_b):
        if x != y:
            return _cmp(x, y)
    if not pre_a and not pre_b:
        return 0
    if not pre_a:
        return 1  # a release ranks above any of its pre-releases
    if not pre_b:
        return -1
    for x, y in zip(pre_a, pre_b):
        result = _compare_identifier(x, y)
        if result:
            return result
    return _cmp(len(pre_a), len(pre_b))
