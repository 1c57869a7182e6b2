from datetime import date, datetime

import pytest
from workdays import add_business_days

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2024, 6, day) for day in range(3, 10))
NEXT_MON = date(2024, 6, 10)
PREV_FRI = date(2024, 5, 31)
CHRISTMAS = frozenset({date(2024, 12, 25), date(2024, 12, 26)})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((MON, 1), TUE),
        ((FRI, 1), NEXT_MON),
        ((SAT, 1), NEXT_MON),
        ((NEXT_MON, -1), FRI),
        ((MON, 5), NEXT_MON),
        ((WED, 0), WED),
        ((SAT, 0), NEXT_MON),
        ((date(2024, 12, 24), 1, CHRISTMAS), date(2024, 12, 27)),
    ],
)
def test_description_examples(args, expected):
    assert add_business_days(*args) == expected


def test_weekdays_within_a_week():
    assert add_business_days(MON, 3) == THU
    assert add_business_days(THU, 1) == FRI
    assert add_business_days(TUE, 2) == THU


def test_sunday_plus_one():
    assert add_business_days(SUN, 1) == NEXT_MON


def test_over_several_weeks():
    assert add_business_days(MON, 10) == date(2024, 6, 17)
    assert add_business_days(WED, 23) == date(2024, 7, 8)


def test_across_month_and_year_end():
    assert add_business_days(date(2024, 12, 31), 1) == date(2025, 1, 1)
    assert add_business_days(date(2023, 12, 29), 1) == date(2024, 1, 1)
    assert add_business_days(date(2024, 2, 28), 1) == date(2024, 2, 29)


def test_backwards():
    assert add_business_days(FRI, -4) == MON
    assert add_business_days(MON, -1) == PREV_FRI
    assert add_business_days(NEXT_MON, -5) == MON


def test_backwards_from_weekend():
    assert add_business_days(SAT, -1) == FRI
    assert add_business_days(SUN, -1) == FRI
    assert add_business_days(SUN, -5) == MON


def test_zero_on_each_day():
    assert add_business_days(MON, 0) == MON
    assert add_business_days(FRI, 0) == FRI
    assert add_business_days(SUN, 0) == NEXT_MON


def test_forward_skips_holidays():
    assert add_business_days(MON, 1, frozenset({TUE})) == WED
    assert add_business_days(MON, 3, frozenset({TUE, THU})) == NEXT_MON


def test_holiday_on_monday_after_weekend():
    assert add_business_days(FRI, 1, frozenset({NEXT_MON})) == date(2024, 6, 11)


def test_backward_skips_holidays():
    assert add_business_days(FRI, -1, frozenset({THU})) == WED
    assert add_business_days(date(2024, 12, 27), -1, CHRISTMAS) == date(2024, 12, 24)


def test_starting_on_a_holiday():
    assert add_business_days(TUE, 1, frozenset({TUE})) == WED
    assert add_business_days(TUE, -1, frozenset({TUE})) == MON


def test_zero_on_a_holiday_rolls_forward():
    assert add_business_days(TUE, 0, frozenset({TUE})) == WED
    assert add_business_days(FRI, 0, frozenset({FRI, NEXT_MON})) == date(2024, 6, 11)


def test_holidays_on_weekend_change_nothing():
    assert add_business_days(FRI, 1, frozenset({SAT, SUN})) == NEXT_MON
    assert add_business_days(NEXT_MON, -1, frozenset({SUN})) == FRI
    assert add_business_days(MON, 5, frozenset({SAT})) == NEXT_MON


def test_unrelated_holidays_change_nothing():
    assert add_business_days(MON, 3, frozenset({date(2023, 6, 6), date(2025, 1, 1)})) == THU


def test_plain_set_of_holidays():
    assert add_business_days(MON, 2, {TUE}) == THU


def test_holidays_set_not_modified():
    holidays = {WED, date(2024, 6, 12)}
    add_business_days(MON, 8, holidays)
    add_business_days(NEXT_MON, -4, holidays)
    assert holidays == {WED, date(2024, 6, 12)}


def test_result_is_a_date():
    result = add_business_days(MON, 7)
    assert type(result) is date
    assert result == date(2024, 6, 12)


@pytest.mark.parametrize("days", [0, 1, -1])
def test_datetime_start_rejected(days):
    with pytest.raises(TypeError):
        add_business_days(datetime(2024, 6, 3, 12, 0), days)


@pytest.mark.parametrize("start", ["2024-06-03", None, 20240603, (2024, 6, 3)])
@pytest.mark.parametrize("days", [0, 3])
def test_non_date_start_rejected(start, days):
    with pytest.raises(TypeError):
        add_business_days(start, days)


def test_results_at_the_edges_of_the_range():
    assert add_business_days(date(9999, 12, 30), 1) == date(9999, 12, 31)
    assert add_business_days(date(9999, 12, 27), 4) == date(9999, 12, 31)
    assert add_business_days(date(9999, 12, 31), 0) == date(9999, 12, 31)
    assert add_business_days(date(1, 1, 2), -1) == date(1, 1, 1)
    assert add_business_days(date(1, 1, 8), -5) == date(1, 1, 1)


@pytest.mark.parametrize(
    "args",
    [
        (date(9999, 12, 31), 1),
        (date(9999, 12, 27), 5),
        (date(9999, 12, 30), 1, frozenset({date(9999, 12, 31)})),
        (date(9999, 12, 31), 0, frozenset({date(9999, 12, 31)})),
        (date(1, 1, 1), -1),
        (date(1, 1, 3), -2, {date(1, 1, 1)}),
        (date(2024, 6, 3), 10**18),
        (date(2024, 6, 3), -(10**18)),
        (date(1, 1, 1), 3652059),
    ],
)
def test_out_of_range_raises_overflow_error(args):
    with pytest.raises(OverflowError):
        add_business_days(*args)


def test_bool_days_count_as_one_and_zero():
    assert add_business_days(MON, True) == TUE
    assert add_business_days(SAT, False) == NEXT_MON
    assert add_business_days(WED, False) == WED


@pytest.mark.parametrize("days", [1.0, 0.0, -0.0, -1.0, 1.5, float("nan"), "1", None])
def test_non_int_days_rejected(days):
    with pytest.raises(TypeError):
        add_business_days(MON, days)


@pytest.mark.parametrize(
    ("start", "days"),
    [(None, 10**18), ("2024-06-03", -(10**18)), (date(9999, 12, 31), 1.0), (date(1, 1, 1), -1.0)],
)
def test_types_checked_first(start, days):
    with pytest.raises(TypeError):
        add_business_days(start, days)
