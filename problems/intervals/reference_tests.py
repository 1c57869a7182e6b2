import pytest
from intervals import merge_intervals


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([(1, 3), (2, 6), (8, 10)], [(1, 6), (8, 10)]),
        ([(5, 7), (1, 2)], [(1, 2), (5, 7)]),
        ([(1, 2), (2, 3)], [(1, 3)]),
        ([], []),
    ],
)
def test_description_examples(given, expected):
    assert merge_intervals(given) == expected


def test_single_interval():
    assert merge_intervals([(4, 9)]) == [(4, 9)]


def test_sorted_overlapping_chain():
    assert merge_intervals([(1, 4), (3, 5), (5, 8), (10, 12)]) == [(1, 8), (10, 12)]


def test_touching_in_one_point():
    assert merge_intervals([(-3, 0), (0, 4), (7, 9)]) == [(-3, 4), (7, 9)]


def test_neighbouring_integers_stay_separate():
    assert merge_intervals([(1, 2), (3, 4), (6, 8)]) == [(1, 2), (3, 4), (6, 8)]


def test_gap_then_overlap():
    assert merge_intervals([(0, 1), (5, 9), (9, 12)]) == [(0, 1), (5, 12)]


def test_contained_interval_is_absorbed():
    assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]


def test_contained_then_overlapping():
    assert merge_intervals([(0, 20), (5, 6), (15, 25)]) == [(0, 25)]


def test_unsorted_input():
    assert merge_intervals([(8, 10), (1, 3), (2, 6)]) == [(1, 6), (8, 10)]


def test_unsorted_input_merges_across_order():
    assert merge_intervals([(6, 7), (1, 2), (2, 6)]) == [(1, 7)]


def test_duplicates_and_negatives():
    assert merge_intervals([(-5, -1), (-5, -1), (-10, -7)]) == [(-10, -7), (-5, -1)]


def test_single_point_interval_is_valid():
    assert merge_intervals([(3, 3)]) == [(3, 3)]


def test_single_points_merge_with_what_contains_or_touches_them():
    assert merge_intervals([(5, 5), (1, 5), (7, 7)]) == [(1, 5), (7, 7)]


def test_items_are_tuples():
    result = merge_intervals([(3, 4), (1, 2), (2, 3)])
    assert result == [(1, 4)]
    assert all(type(item) is tuple for item in result)


def test_input_list_not_modified():
    given = [(8, 10), (1, 3), (2, 6)]
    snapshot = list(given)
    merge_intervals(given)
    assert given == snapshot


def test_returns_a_new_list_when_nothing_to_merge():
    given = [(1, 5)]
    result = merge_intervals(given)
    assert result == [(1, 5)]
    assert result is not given


@pytest.mark.parametrize(
    "given",
    [
        [(5, 4)],
        [(1, 3), (2, 1)],
        [(0, 10), (6, 5)],
    ],
)
def test_reversed_interval_raises_value_error(given):
    with pytest.raises(ValueError):
        merge_intervals(given)


def plain_ints(result):
    return all(type(start) is int and type(end) is int for start, end in result)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([(False, True)], [(0, 1)]),
        ([(True, 3), (1, 2)], [(1, 3)]),
        ([(1, 2), (True, 3)], [(1, 3)]),
        ([(0, 1), (False, True), (True, True)], [(0, 1)]),
        ([(True, True), (3, 4)], [(1, 1), (3, 4)]),
        ([(False, False), (-2, False)], [(-2, 0)]),
    ],
)
def test_bool_endpoints_count_as_plain_ints(given, expected):
    result = merge_intervals(given)
    assert result == expected
    assert plain_ints(result)


def test_reversed_bool_interval_raises_value_error():
    with pytest.raises(ValueError):
        merge_intervals([(True, False)])


def test_huge_endpoints():
    big = 10**18
    assert merge_intervals([(big, big + 5), (-big, 0), (big + 5, big + 9), (0, 0)]) == [
        (-big, 0),
        (big, big + 9),
    ]


def test_input_with_bools_not_modified():
    given = [(True, 3), (False, True)]
    merge_intervals(given)
    assert given == [(True, 3), (False, True)]
    assert type(given[0][0]) is bool
