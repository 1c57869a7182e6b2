import re

_NUMBER = r"(?!0\d)\d+"
_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_IDENTIFIERS}))?"
    rf"(?:\+(?P<build>{_IDENTIFIERS}))?"
)


def _reject_leading_zero(identifier: str) -> None:
    if identifier.isdigit() and len(identifier) > 1 and identifier[0] == "0":
        raise ValueError(f"numeric identifier with a leading zero: {identifier!r}")


def _precedence_key(version: str) -> tuple:
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ValueError(f"not a semantic version: {version!r}")
    core = (int(match["major"]), int(match["minor"]), int(match["patch"]))
    if match["pre"] is None:
        # A release ranks above every pre-release of the same core version.
        return (*core, 1, ())
    identifiers = []
    for identifier in match["pre"].split("."):
        _reject_leading_zero(identifier)
        if identifier.isdigit():
            identifiers.append((0, int(identifier), ""))
        else:
            identifiers.append((1, 0, identifier))
    return (*core, 0, tuple(identifiers))


def compare_versions(a: str, b: str) -> int:
    key_a, key_b = _precedence_key(a), _precedence_key(b)
    return (key_a > key_b) - (key_a < key_b)
