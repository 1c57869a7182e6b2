from datetime import date

import pytest
from monthmath import add_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2023, 11, 15), 3, date(2024, 2, 15)),
        (date(2024, 1, 15), -1, date(2023, 12, 15)),
        (date(2023, 2, 28), 1, date(2023, 3, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(9999, 11, 30), 1, date(9999, 12, 30)),
    ],
)
def test_description_examples(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 5, 10), 1, date(2024, 6, 10)),
        (date(2024, 5, 10), 7, date(2024, 12, 10)),
        (date(2024, 5, 10), 12, date(2025, 5, 10)),
        (date(2024, 5, 10), 25, date(2026, 6, 10)),
        (date(2023, 11, 1), 1, date(2023, 12, 1)),
        (date(2023, 12, 1), 1, date(2024, 1, 1)),
        (date(2023, 12, 20), 12, date(2024, 12, 20)),
    ],
)
def test_forward(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 5, 10), -1, date(2024, 4, 10)),
        (date(2024, 12, 10), -11, date(2024, 1, 10)),
        (date(2024, 3, 15), -3, date(2023, 12, 15)),
        (date(2024, 3, 15), -27, date(2021, 12, 15)),
        (date(2024, 1, 15), -12, date(2023, 1, 15)),
        (date(2024, 1, 15), -13, date(2022, 12, 15)),
        (date(2024, 1, 15), -24, date(2022, 1, 15)),
    ],
)
def test_backward(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize("start", [date(2024, 1, 1), date(2023, 12, 31), date(2024, 2, 29), date(1, 1, 1)])
def test_zero_months(start):
    assert add_months(start, 0) == start


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 5, 31), -1, date(2024, 4, 30)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        (date(2023, 12, 31), 2, date(2024, 2, 29)),
        (date(2023, 10, 31), -8, date(2023, 2, 28)),
    ],
)
def test_day_clamped_to_end_of_target_month(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 2, 28), 1, date(2023, 3, 28)),
        (date(2024, 4, 30), 1, date(2024, 5, 30)),
        (date(2024, 2, 29), 1, date(2024, 3, 29)),
        (date(2024, 6, 30), -1, date(2024, 5, 30)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
    ],
)
def test_no_end_of_month_rule(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 29), 1, date(2024, 2, 29)),
        (date(2000, 1, 31), 1, date(2000, 2, 29)),
        (date(2400, 3, 31), -1, date(2400, 2, 29)),
        (date(1900, 1, 31), 1, date(1900, 2, 28)),
        (date(2100, 3, 29), -1, date(2100, 2, 28)),
        (date(2023, 1, 29), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), -12, date(2023, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
    ],
)
def test_leap_years(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(9999, 11, 30), 1, date(9999, 12, 30)),
        (date(9998, 12, 31), 12, date(9999, 12, 31)),
        (date(9999, 12, 31), -1, date(9999, 11, 30)),
        (date(1, 2, 28), -1, date(1, 1, 28)),
        (date(2, 1, 31), -12, date(1, 1, 31)),
        (date(1, 1, 1), 119987, date(9999, 12, 1)),
        (date(9999, 12, 31), -119987, date(1, 1, 31)),
    ],
)
def test_results_at_the_edges_of_the_range(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months"),
    [
        (date(9999, 12, 1), 1),
        (date(9999, 1, 1), 12),
        (date(2024, 1, 1), 10**6),
        (date(2024, 1, 1), 10**20),
    ],
)
def test_overflow_after_the_end(start, months):
    with pytest.raises(OverflowError):
        add_months(start, months)


@pytest.mark.parametrize(
    ("start", "months"),
    [
        (date(1, 1, 31), -1),
        (date(1, 12, 31), -12),
        (date(2024, 1, 1), -(10**6)),
        (date(2024, 1, 1), -(10**20)),
    ],
)
def test_overflow_before_the_start(start, months):
    with pytest.raises(OverflowError):
        add_months(start, months)


@pytest.mark.parametrize("months", [True, False])
def test_bool_rejected(months):
    with pytest.raises(TypeError):
        add_months(date(2024, 1, 15), months)


@pytest.mark.parametrize("months", [1.0, 2.0, -3.0, 1.5, "1", "x", None, [1]])
def test_non_int_rejected(months):
    with pytest.raises(TypeError):
        add_months(date(2024, 1, 15), months)


def test_result_is_a_date():
    result = add_months(date(2024, 1, 31), 1)
    assert type(result) is date


@pytest.mark.parametrize("months", [0.0, -0.0, float("nan"), float("inf"), " 1", "\uff11", "\u0661"])
def test_more_non_int_rejected(months):
    with pytest.raises(TypeError):
        add_months(date(2024, 1, 15), months)


@pytest.mark.parametrize(
    ("start", "months"),
    [(date(9999, 12, 1), 1.0), (date(1, 1, 31), -1.0), (date(2024, 1, 1), float(10**20)), (date(9999, 12, 1), True)],
)
def test_type_checked_before_range(start, months):
    with pytest.raises(TypeError):
        add_months(start, months)


@pytest.mark.parametrize("months", [10**18, -(10**18), 119988, -119988])
def test_huge_counts_overflow(months):
    with pytest.raises(OverflowError):
        add_months(date(2024, 1, 1), months)
