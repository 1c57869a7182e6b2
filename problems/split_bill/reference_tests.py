import pytest
from billing import split_bill


@pytest.mark.parametrize(
    ("total", "people", "shares"),
    [
        (100, 3, [34, 33, 33]),
        (10, 4, [3, 3, 2, 2]),
        (2, 5, [1, 1, 0, 0, 0]),
        (900, 3, [300, 300, 300]),
        (0, 2, [0, 0]),
        (7, 1, [7]),
    ],
)
def test_description_examples(total, people, shares):
    assert split_bill(total, people) == shares


def test_even_split():
    assert split_bill(1000, 4) == [250, 250, 250, 250]


def test_one_cent_left_over_goes_first():
    assert split_bill(10, 3) == [4, 3, 3]


def test_all_but_one_pay_an_extra_cent():
    assert split_bill(11, 3) == [4, 4, 3]


def test_several_cents_left_over():
    assert split_bill(1003, 5) == [201, 201, 201, 200, 200]


def test_more_people_than_cents():
    assert split_bill(3, 7) == [1, 1, 1, 0, 0, 0, 0]


def test_zero_total():
    assert split_bill(0, 1) == [0]
    assert split_bill(0, 4) == [0, 0, 0, 0]


@pytest.mark.parametrize("total", [0, 1, 5, 99, 100, 101, 12345])
@pytest.mark.parametrize("people", [1, 2, 3, 7, 12])
def test_properties(total, people):
    shares = split_bill(total, people)
    assert len(shares) == people
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)
    assert all(type(share) is int for share in shares)


def test_huge_amount_is_exact():
    total = 2**54 + 3
    assert split_bill(total, 2) == [2**53 + 2, 2**53 + 1]


def test_huge_amount_many_people_sum():
    total = 10**30 + 7
    shares = split_bill(total, 9)
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1


def test_zero_people_raises_value_error():
    with pytest.raises(ValueError):
        split_bill(100, 0)


@pytest.mark.parametrize("people", [-1, -3])
def test_negative_people_raises_value_error(people):
    with pytest.raises(ValueError):
        split_bill(100, people)


@pytest.mark.parametrize("total", [-1, -100])
def test_negative_total_raises_value_error(total):
    with pytest.raises(ValueError):
        split_bill(total, 3)


@pytest.mark.parametrize(("total", "people"), [(True, 1), (10, True), (False, 2)])
def test_bool_raises_type_error(total, people):
    with pytest.raises(TypeError):
        split_bill(total, people)


@pytest.mark.parametrize(("total", "people"), [(10.0, 3), (10, 2.0), (9.5, 2)])
def test_float_raises_type_error(total, people):
    with pytest.raises(TypeError):
        split_bill(total, people)


@pytest.mark.parametrize(("total", "people"), [("100", 3), (100, "3"), (None, 3), (100, None)])
def test_other_types_raise_type_error(total, people):
    with pytest.raises(TypeError):
        split_bill(total, people)


@pytest.mark.parametrize(("total", "people"), [(-5.0, 2), (10, 0.0), (-1, "2")])
def test_type_checked_before_value(total, people):
    with pytest.raises(TypeError):
        split_bill(total, people)


@pytest.mark.parametrize(
    ("total", "people"),
    [(-0.0, 2), (float("nan"), 2), (float("inf"), 2), (10, float("inf")), (10, -0.0), ("\uff11\uff10", 2), (" 10", 2), (10, "\u0663")],
)
def test_special_values_raise_type_error(total, people):
    with pytest.raises(TypeError):
        split_bill(total, people)


@pytest.mark.parametrize(("total", "people"), [(10, -(10**18)), (-(10**18), 2), (-1, 0), (-5, -5)])
def test_huge_or_both_invalid_values_raise_value_error(total, people):
    with pytest.raises(ValueError):
        split_bill(total, people)


def test_huge_negative_total_with_bool_people_is_a_type_error():
    with pytest.raises(TypeError):
        split_bill(-(10**18), True)


def test_just_above_float_precision():
    assert split_bill(2**53 + 1, 1) == [2**53 + 1]
    assert split_bill(2**53 + 5, 3) == [3002399751580333, 3002399751580332, 3002399751580332]
