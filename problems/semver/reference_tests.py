import pytest
from semver import compare_versions

CHAIN = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.9.0", "1.10.0", -1),
        ("2.0.0", "1.99.99", 1),
        ("1.0.0+build.5", "1.0.0+build.7", 0),
        ("1.0.0-Beta", "1.0.0-alpha", -1),
    ],
)
def test_description_examples(a, b, expected):
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize("i", range(len(CHAIN) - 1))
def test_specification_chain(i):
    assert compare_versions(CHAIN[i], CHAIN[i + 1]) == -1
    assert compare_versions(CHAIN[i + 1], CHAIN[i]) == 1


def test_chain_is_totally_ordered():
    for i, a in enumerate(CHAIN):
        for j, b in enumerate(CHAIN):
            assert compare_versions(a, b) == (i > j) - (i < j)


@pytest.mark.parametrize("version", ["0.0.0", "1.2.3", "1.0.0-rc.1", "10.20.30-a-b.0.C+meta.001"])
def test_equal_to_itself(version):
    result = compare_versions(version, version)
    assert result == 0
    assert type(result) is int


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0", "2.0.0", -1),
        ("2.1.0", "2.0.9", 1),
        ("1.2.3", "1.2.4", -1),
        ("0.0.1", "0.1.0", -1),
        ("10.0.0", "9.0.0", 1),
        ("1.0.10", "1.0.9", 1),
        ("3.0.0", "1.0.0", 1),
        ("1.0.0-alpha", "0.9.9", 1),
    ],
)
def test_core_numbers(a, b, expected):
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0-rc.1", "1.0.0", -1),
        ("1.0.0", "1.0.0-rc.1", 1),
        ("1.0.0-0", "1.0.0", -1),
        ("1.0.0-zzz", "1.0.0", -1),
        ("1.0.0-rc.1", "0.9.0", 1),
        ("1.0.0", "1.0.1-alpha", -1),
    ],
)
def test_prerelease_below_release(a, b, expected):
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0-rc.2", "1.0.0-rc.10", -1),
        ("1.0.0-9", "1.0.0-10", -1),
        ("1.0.0-1.100", "1.0.0-1.20", 1),
        ("1.0.0-rc.2", "1.0.0-rc.2", 0),
    ],
)
def test_numeric_identifiers_compare_numerically(a, b, expected):
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0-1", "1.0.0-alpha", -1),
        ("1.0.0-alpha", "1.0.0-1", 1),
        ("1.0.0-99", "1.0.0-0a", -1),
        ("1.0.0-rc.5", "1.0.0-rc.x", -1),
        ("1.0.0-a-1", "1.0.0-1", 1),
    ],
)
def test_numeric_below_alphanumeric(a, b, expected):
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0-alpha", "1.0.0-alpha.1", -1),
        ("1.0.0-alpha.1", "1.0.0-alpha", 1),
        ("1.0.0-alpha.0", "1.0.0-alpha", 1),
        ("1.0.0-a.b.c", "1.0.0-a.b", 1),
    ],
)
def test_shorter_prerelease_ranks_lower(a, b, expected):
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0-alpha", "1.0.0-beta", -1),
        ("1.0.0-alpha", "1.0.0-alpha-1", -1),
        ("1.0.0-B", "1.0.0-a", -1),
        ("1.0.0-RC", "1.0.0-rc", -1),
        ("1.0.0-rc", "1.0.0-RC", 1),
    ],
)
def test_alphanumeric_ascii_order(a, b, expected):
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.0.0+build.5", "1.0.0+build.7"),
        ("1.0.0", "1.0.0+anything"),
        ("1.0.0+zzz", "1.0.0"),
        ("1.0.0-rc.1+b", "1.0.0-rc.1+a"),
    ],
)
def test_build_metadata_ignored(a, b):
    assert compare_versions(a, b) == 0


def test_build_metadata_does_not_rescue_a_prerelease():
    assert compare_versions("1.0.0-rc.1+build.9", "1.0.0") == -1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0+001", "1.0.0", 0),
        ("1.0.0-rc.1+01.02", "1.0.0-rc.1", 0),
        ("1.0.0-0a", "1.0.0-0b", -1),
        ("1.0.0-x-y", "1.0.0-x", 1),
        ("1.0.0--", "1.0.0", -1),
        ("1.0.0+exp.sha-5114f85", "1.0.0", 0),
    ],
)
def test_valid_unusual_versions(a, b, expected):
    assert compare_versions(a, b) == expected


INVALID = [
    "",
    "1",
    "1.0",
    "1.0.0.0",
    "1..0",
    ".1.0.0",
    "01.0.0",
    "1.02.0",
    "1.0.00",
    "v1.0.0",
    "V1.0.0",
    " 1.0.0",
    "1.0.0 ",
    "1.0.0\n",
    "1. 0.0",
    "1.0.0-",
    "1.0.0+",
    "1.0.0-+build",
    "1.0.0-alpha..1",
    "1.0.0-alpha.",
    "1.0.0-.alpha",
    "1.0.0+build..2",
    "1.0.0-alpha_1",
    "1.0.0-rc.01",
    "1.0.0-00",
    "1.0.0+build+2",
    "1.0.0-é",
    "-1.0.0",
    "1.0.a",
    "１.0.0",
    "1.٠.0",
]


@pytest.mark.parametrize("version", INVALID)
def test_invalid_first_argument(version):
    with pytest.raises(ValueError):
        compare_versions(version, "1.0.0")


@pytest.mark.parametrize("version", INVALID)
def test_invalid_second_argument(version):
    with pytest.raises(ValueError):
        compare_versions("1.0.0", version)


BIG = "1000000000000000000000"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (BIG + ".0.0", "999999999999999999999.0.0", 1),
        ("1." + BIG + ".0", "1.999999999999999999999.0", 1),
        ("1.0." + BIG, "1.0." + BIG + "+build", 0),
        ("1.0.0-" + BIG, "1.0.0-999999999999999999999", 1),
        ("1.0.0-" + BIG, "1.0.0-a", -1),
        ("1.0.0-rc." + BIG, "1.0.0-rc.2", 1),
        (BIG + ".0.0-rc", BIG + ".0.0", -1),
    ],
)
def test_numbers_of_any_size(a, b, expected):
    assert compare_versions(a, b) == expected


NON_ASCII_OR_WHITESPACE = [
    "1.0.0-\u0665",
    "1.0.0-rc.\u0661",
    "1.0.0-\uff41",
    "1.0.0-alpha\u00e9",
    "1.0.0+\u00e9",
    "1.0.0+build.\uff11",
    "1.0.\u00b2",
    "\u0661.0.0",
    "1.0.\uff10",
    "\u00a01.0.0",
    "1.0.0\u00a0",
    "1.0.0\t",
    "\t1.0.0",
    "1.0.0\r\n",
    "1.0.0-rc\n",
    "1.0.0+build\n",
    "1.0.0- rc",
    "1.0.0-rc .1",
    "V1.0.0-rc.1",
]


@pytest.mark.parametrize("version", NON_ASCII_OR_WHITESPACE)
def test_non_ascii_and_whitespace_rejected(version):
    with pytest.raises(ValueError):
        compare_versions(version, "1.0.0")
    with pytest.raises(ValueError):
        compare_versions("1.0.0", version)


def test_invalid_version_rejected_even_when_both_are_equal():
    with pytest.raises(ValueError):
        compare_versions("01.0.0", "01.0.0")
