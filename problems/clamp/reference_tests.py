import math

import pytest
from numeric import clamp

NAN = float("nan")
INF = float("inf")


def same(result, expected):
    """Equal, and of the same type (so 5 and 5.0 are told apart)."""
    return type(result) is type(expected) and result == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((15, 0, 10), 10),
        ((-3, 0, 10), 0),
        ((7, 0, 10), 7),
        ((2.5, 0, 10), 2.5),
        ((4, 5.0, 10), 5.0),
        ((5, 5.0, 10), 5),
        ((2, 0, 2.0), 2),
    ],
)
def test_description_examples(args, expected):
    assert same(clamp(*args), expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1, 0, 10), 1),
        ((9, 0, 10), 9),
        ((-7, -10, -5), -7),
        ((0.5, 0.0, 1.0), 0.5),
        ((3.75, 1, 5), 3.75),
        ((-2.5, -3, 3), -2.5),
    ],
)
def test_inside_range_unchanged(args, expected):
    assert same(clamp(*args), expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((11, 0, 10), 10),
        ((10**20, 0, 10), 10),
        ((1.5, 0, 1), 1),
        ((7, 0.0, 2.5), 2.5),
        ((-11, 0, 10), 0),
        ((-0.1, 0, 10), 0),
        ((-100, -5.5, 5), -5.5),
    ],
)
def test_outside_range_gives_bound(args, expected):
    assert same(clamp(*args), expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [((0, 0, 10), 0), ((10, 0, 10), 10), ((0.0, 0.0, 1.0), 0.0), ((1.0, 0.0, 1.0), 1.0)],
)
def test_bounds_included(args, expected):
    assert same(clamp(*args), expected)


def test_value_on_low_bound_of_other_type():
    assert same(clamp(5, 5.0, 10), 5)
    assert same(clamp(5.0, 5, 10), 5.0)


def test_value_on_high_bound_of_other_type():
    assert same(clamp(10, 0, 10.0), 10)
    assert same(clamp(10.0, 0, 10), 10.0)


def test_negative_zero_inside_range_is_kept():
    result = clamp(-0.0, 0.0, 1.0)
    assert result == 0.0 and math.copysign(1.0, result) == -1.0


@pytest.mark.parametrize(
    ("args", "expected"),
    [((5, 5, 5), 5), ((4, 5, 5), 5), ((6, 5, 5), 5), ((2.5, 2.5, 2.5), 2.5), ((5, 5.0, 5.0), 5)],
)
def test_equal_bounds(args, expected):
    assert same(clamp(*args), expected)


@pytest.mark.parametrize("args", [(5, 10, 0), (0, 1, -1), (0.5, 0.5000001, 0.5)])
def test_low_above_high_rejected(args):
    with pytest.raises(ValueError):
        clamp(*args)


def test_nan_value_rejected():
    with pytest.raises(ValueError):
        clamp(NAN, 0, 10)


@pytest.mark.parametrize("args", [(5, NAN, 10), (5, 0, NAN), (5, NAN, NAN)])
def test_nan_bound_rejected(args):
    with pytest.raises(ValueError):
        clamp(*args)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((INF, 0, 10), 10),
        ((-INF, 0, 10), 0),
        ((5, -INF, INF), 5),
        ((-(10**30), -INF, 0), -(10**30)),
        ((INF, 0, INF), INF),
        ((1e308, 0, INF), 1e308),
    ],
)
def test_infinities(args, expected):
    assert same(clamp(*args), expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((True, 0, 10), True),
        ((False, 0, 10), False),
        ((-3, False, 10), False),
        ((20, 0, True), True),
        ((1, True, 5), 1),
        ((True, 1, 5), True),
        ((True, 1.0, 5), True),
        ((7, False, True), True),
    ],
)
def test_bools_are_ints_returned_unchanged(args, expected):
    assert same(clamp(*args), expected)


def test_bool_bounds_out_of_order_rejected():
    with pytest.raises(ValueError):
        clamp(0, True, False)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0.0, -0.0, 1.0), 0.0),
        ((-1, -0.0, 5), -0.0),
        ((3, 0.0, -0.0), -0.0),
        ((-3, 0.0, -0.0), 0.0),
        ((-0.0, 0, 0), -0.0),
        ((0, -0.0, 0.0), 0),
    ],
)
def test_negative_zero(args, expected):
    result = clamp(*args)
    assert same(result, expected)
    assert math.copysign(1.0, result) == math.copysign(1.0, expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((10**18, 0, 1e18), 10**18),
        ((10**18 + 1, 0, 1e18), 1e18),
        ((2**53 + 1, 0, 2.0**53), 2.0**53),
        ((-(10**18) - 1, -1e18, 0), -1e18),
        ((10**18, -(10**18), 10**18 + 1), 10**18),
        ((10**400, 0, INF), 10**400),
        ((-(10**400), -1e308, 0), -1e308),
    ],
)
def test_huge_numbers_compared_exactly(args, expected):
    assert same(clamp(*args), expected)
