import pytest
from calendar_rules import is_leap_year


@pytest.mark.parametrize(
    ("year", "leap"),
    [(2024, True), (2023, False), (1900, False), (2000, True)],
)
def test_description_examples(year, leap):
    assert is_leap_year(year) is leap


@pytest.mark.parametrize("year", [4, 1996, 2004, 2024, 1584, 40, 123456])
def test_divisible_by_four(year):
    assert is_leap_year(year) is True


@pytest.mark.parametrize("year", [1, 2, 3, 5, 2019, 2021, 2022, 2023, 1999, 123457])
def test_common_years(year):
    assert is_leap_year(year) is False


@pytest.mark.parametrize("year", [100, 200, 1700, 1800, 1900, 2100, 2200, 2300, 2500])
def test_century_not_leap(year):
    assert is_leap_year(year) is False


@pytest.mark.parametrize("year", [400, 800, 1200, 1600, 2000, 2400, 10000])
def test_divisible_by_400(year):
    assert is_leap_year(year) is True


def test_smallest_valid_year():
    assert is_leap_year(1) is False


def test_huge_year():
    assert is_leap_year(4 * 10**30 + 4) is True
    assert is_leap_year(10**30) is True
    assert is_leap_year(10**30 + 100) is False


def test_zero_rejected():
    with pytest.raises(ValueError):
        is_leap_year(0)


@pytest.mark.parametrize("year", [-1, -4, -400, -2024])
def test_negative_rejected(year):
    with pytest.raises(ValueError):
        is_leap_year(year)


@pytest.mark.parametrize("year", [True, False])
def test_bool_rejected(year):
    with pytest.raises(TypeError):
        is_leap_year(year)


@pytest.mark.parametrize("year", [2000.0, 2024.0, 2023.5, -4.0])
def test_float_rejected(year):
    with pytest.raises(TypeError):
        is_leap_year(year)


@pytest.mark.parametrize("year", ["2000", None, [2000]])
def test_other_types_rejected(year):
    with pytest.raises(TypeError):
        is_leap_year(year)


@pytest.mark.parametrize("year", [-0.0, 0.0, float("nan"), float("inf"), 1e18])
def test_special_floats_rejected(year):
    with pytest.raises(TypeError):
        is_leap_year(year)


@pytest.mark.parametrize("year", [" 2024", "2024\n", "\uff12\uff10\uff12\uff14", "\u0662\u0660\u0662\u0664", ""])
def test_numeric_looking_strings_rejected(year):
    with pytest.raises(TypeError):
        is_leap_year(year)


@pytest.mark.parametrize("year", [-(10**30), -(10**18), -100, -1600])
def test_huge_and_century_negatives_rejected(year):
    with pytest.raises(ValueError):
        is_leap_year(year)


@pytest.mark.parametrize("year", [-1.0, "-4", "0"])
def test_wrong_type_wins_over_bad_value(year):
    with pytest.raises(TypeError):
        is_leap_year(year)
