import functools
import re
import string

_ALLOWED = frozenset(string.ascii_letters + string.digits + "-")
_CORE = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", re.ASCII)


def _check_identifiers(text: str) -> list[str]:
    items = text.split(".")
    if any(not item or not _ALLOWED.issuperset(item) for item in items):
        raise ValueError(text)
    return items


@functools.total_ordering
class _Identifier:
    def __init__(self, text: str):
        self.numeric = text.isascii() and text.isdigit()
        if self.numeric and text.startswith("0") and text != "0":
            raise ValueError(text)
        self.value = int(text) if self.numeric else text

    def __eq__(self, other):
        return (self.numeric, self.value) == (other.numeric, other.value)

    def __lt__(self, other):
        if self.numeric != other.numeric:
            return self.numeric
        return self.value < other.value


@functools.total_ordering
class Version:
    def __init__(self, text: str):
        head, _, build = text.partition("+")
        if "+" in text:
            _check_identifiers(build)
        core, _, pre = head.partition("-")
        match = _CORE.fullmatch(core)
        if match is None:
            raise ValueError(text)
        self.core = tuple(map(int, match.groups()))
        self.pre = [_Identifier(item) for item in _check_identifiers(pre)] if "-" in head else None

    def __eq__(self, other):
        return self.core == other.core and self.pre == other.pre

    def __lt__(self, other):
        if self.core != other.core:
            return self.core < other.core
        if self.pre is None:
            return False
        if other.pre is None:
            return True
        return self.pre < other.pre


def compare_versions(a: str, b: str) -> int:
    left, right = Version(a), Version(b)
    if left == right:
        return 0
    return -1 if left < right else 1
