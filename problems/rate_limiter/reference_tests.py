import pytest
from ratelimit import TokenBucket


def test_description_example():
    b = TokenBucket(capacity=2, refill_per_s=0.5, now=0.0)
    assert b.allow(0.0) is True
    assert b.allow(0.0) is True
    assert b.allow(1.0) is False
    assert b.tokens(1.0) == 0.5
    assert b.allow(2.0) is True
    assert b.tokens(10.0) == 2.0
    assert b.allow(10.0, cost=2) is True
    with pytest.raises(ValueError):
        b.allow(9.0)
    with pytest.raises(ValueError):
        b.allow(12.0, cost=3)


def test_starts_full():
    b = TokenBucket(5, 1.0, 100.0)
    assert b.tokens(100.0) == 5.0


def test_new_bucket_allows_a_burst_of_capacity_requests():
    b = TokenBucket(3, 1.0, 0.0)
    assert [b.allow(0.0) for _ in range(4)] == [True, True, True, False]


def test_full_capacity_in_one_request():
    b = TokenBucket(4, 1.0, 0.0)
    assert b.allow(0.0, cost=4) is True
    assert b.tokens(0.0) == 0.0


def test_tokens_returns_a_float():
    b = TokenBucket(3, 1, 0)
    assert isinstance(b.tokens(0), float)
    assert isinstance(b.tokens(0.5), float)


def test_exactly_enough_tokens_is_enough():
    b = TokenBucket(2, 1.0, 0.0)
    assert b.allow(0.0, cost=2) is True
    assert b.allow(0.5) is False
    assert b.allow(1.0) is True


def test_refill_is_continuous():
    b = TokenBucket(4, 2.0, 0.0)
    assert b.allow(0.0, cost=4)
    assert b.tokens(0.25) == 0.5
    assert b.tokens(1.0) == 2.0
    assert b.tokens(1.75) == 3.5


def test_partial_refills_add_up():
    b = TokenBucket(1, 1.0, 0.0)
    assert b.allow(0.0) is True
    assert b.allow(0.5) is False
    assert b.allow(1.0) is True


def test_partial_refills_add_up_over_many_calls():
    b = TokenBucket(1, 0.25, 0.0)
    assert b.allow(0.0) is True
    assert [b.allow(float(t)) for t in range(1, 5)] == [False, False, False, True]


def test_refill_is_capped_at_capacity():
    b = TokenBucket(3, 1.0, 0.0)
    assert b.tokens(1000.0) == 3.0
    assert b.allow(1000.0, cost=3) is True
    assert b.allow(1000.0) is False


def test_refill_after_spending_is_capped():
    b = TokenBucket(2, 1.0, 0.0)
    assert b.allow(0.0)
    assert b.tokens(5.0) == 2.0


def test_time_between_calls_is_not_counted_twice():
    b = TokenBucket(10, 1.0, 0.0)
    assert b.allow(0.0, cost=10) is True
    assert b.allow(1.0) is True
    assert b.allow(2.0, cost=2) is False
    assert b.tokens(3.0) == 2.0


def test_tokens_does_not_consume():
    b = TokenBucket(2, 1.0, 0.0)
    assert b.tokens(0.0) == 2.0
    assert b.tokens(0.0) == 2.0
    assert b.allow(0.0, cost=2) is True


def test_denied_request_consumes_nothing():
    b = TokenBucket(3, 0.5, 0.0)
    assert b.allow(0.0, cost=3)
    assert b.allow(1.0, cost=2) is False
    assert b.tokens(1.0) == 0.5
    assert b.allow(4.0, cost=2) is True
    assert b.tokens(4.0) == 0.0


def test_repeated_denials_do_not_go_into_debt():
    b = TokenBucket(1, 1.0, 0.0)
    assert b.allow(0.0)
    for _ in range(5):
        assert b.allow(0.0) is False
    assert b.allow(1.0) is True


def test_same_time_is_allowed():
    b = TokenBucket(2, 1.0, 7.0)
    assert b.allow(7.0)
    assert b.tokens(7.0) == 1.0
    assert b.allow(7.0)


def test_constructor_time_is_the_start():
    b = TokenBucket(2, 1.0, 50.0)
    assert b.allow(50.0, cost=2)
    assert b.tokens(51.0) == 1.0
    with pytest.raises(ValueError):
        b.tokens(49.0)


def test_allow_rejects_time_going_backwards():
    b = TokenBucket(2, 1.0, 0.0)
    b.allow(5.0)
    with pytest.raises(ValueError):
        b.allow(4.0)


def test_tokens_rejects_time_going_backwards():
    b = TokenBucket(2, 1.0, 0.0)
    b.allow(5.0)
    with pytest.raises(ValueError):
        b.tokens(4.5)


def test_tokens_call_counts_as_seen_time():
    b = TokenBucket(2, 1.0, 0.0)
    b.tokens(5.0)
    with pytest.raises(ValueError):
        b.allow(3.0)


def test_tokens_call_counts_as_seen_time_for_tokens():
    b = TokenBucket(2, 1.0, 0.0)
    b.tokens(5.0)
    with pytest.raises(ValueError):
        b.tokens(3.0)


def test_backwards_call_changes_nothing():
    b = TokenBucket(4, 1.0, 0.0)
    assert b.allow(10.0, cost=4)
    with pytest.raises(ValueError):
        b.allow(8.0)
    assert b.tokens(10.0) == 0.0
    assert b.tokens(11.0) == 1.0


@pytest.mark.parametrize("cost", [0, -1])
def test_cost_below_one_rejected(cost):
    b = TokenBucket(3, 1.0, 0.0)
    with pytest.raises(ValueError):
        b.allow(0.0, cost=cost)
    assert b.tokens(0.0) == 3.0


@pytest.mark.parametrize("cost", [4, 100])
def test_cost_above_capacity_rejected(cost):
    b = TokenBucket(3, 1.0, 0.0)
    with pytest.raises(ValueError):
        b.allow(0.0, cost=cost)
    assert b.tokens(0.0) == 3.0


def test_rejected_cost_does_not_advance_time():
    b = TokenBucket(2, 1.0, 0.0)
    with pytest.raises(ValueError):
        b.allow(10.0, cost=5)
    assert b.allow(3.0) is True


def test_rejected_zero_cost_does_not_advance_time():
    b = TokenBucket(2, 1.0, 0.0)
    with pytest.raises(ValueError):
        b.allow(10.0, cost=0)
    assert b.tokens(3.0) == 2.0


@pytest.mark.parametrize("capacity", [0, -3])
def test_capacity_below_one_rejected(capacity):
    with pytest.raises(ValueError):
        TokenBucket(capacity, 1.0, 0.0)


@pytest.mark.parametrize("rate", [0, 0.0, -1.0])
def test_non_positive_rate_rejected(rate):
    with pytest.raises(ValueError):
        TokenBucket(3, rate, 0.0)


def test_smallest_valid_bucket():
    b = TokenBucket(1, 0.001, 0.0)
    assert b.allow(0.0) is True
    assert b.allow(500.0) is False
    assert b.tokens(1000.0) == pytest.approx(1.0)


def test_non_binary_rate_with_tolerance():
    b = TokenBucket(5, 0.1, 0.0)
    assert b.allow(0.0, cost=5)
    assert b.tokens(3.0) == pytest.approx(0.3)
    assert b.allow(3.0) is False
    assert b.allow(10.5) is True
    assert b.tokens(10.5) == pytest.approx(0.05)


@pytest.mark.parametrize("capacity", [2.0, 2.5, -0.0, None, "3", False])
def test_capacity_must_be_an_int_of_at_least_one(capacity):
    with pytest.raises(ValueError):
        TokenBucket(capacity, 1.0, 0.0)


def test_true_is_a_capacity_of_one():
    b = TokenBucket(True, 1.0, 0.0)
    assert b.tokens(0.0) == 1.0
    assert b.allow(0.0) is True
    assert b.allow(0.0) is False
    with pytest.raises(ValueError):
        b.allow(5.0, cost=2)


@pytest.mark.parametrize("rate", [-0.0, float("nan"), float("inf"), float("-inf"), None, "1", False])
def test_rate_must_be_a_finite_positive_number(rate):
    with pytest.raises(ValueError):
        TokenBucket(3, rate, 0.0)


def test_rate_may_be_an_int_or_true():
    b = TokenBucket(4, True, 0)
    assert b.allow(0, cost=4)
    assert b.tokens(3) == 3.0
    b = TokenBucket(4, 2, 0)
    assert b.allow(0, cost=4)
    assert b.tokens(1) == 2.0


@pytest.mark.parametrize("now", [float("nan"), float("inf"), float("-inf"), None, "0"])
def test_start_time_must_be_a_finite_number(now):
    with pytest.raises(ValueError):
        TokenBucket(3, 1.0, now)


@pytest.mark.parametrize("now", [float("nan"), float("inf"), float("-inf"), None, "5"])
def test_invalid_times_are_rejected_and_leave_no_trace(now):
    b = TokenBucket(2, 1.0, 0.0)
    assert b.allow(0.0, cost=2)
    with pytest.raises(ValueError):
        b.allow(now)
    with pytest.raises(ValueError):
        b.tokens(now)
    assert b.tokens(1.0) == 1.0
    assert b.allow(1.0) is True


@pytest.mark.parametrize("cost", [1.0, 2.0, 0.5, -0.0, None, "1", False])
def test_cost_must_be_an_int(cost):
    b = TokenBucket(3, 1.0, 0.0)
    with pytest.raises(ValueError):
        b.allow(0.0, cost=cost)
    assert b.tokens(0.0) == 3.0


def test_true_is_a_cost_of_one():
    b = TokenBucket(2, 1.0, 0.0)
    assert b.allow(0.0, cost=True) is True
    assert b.tokens(0.0) == 1.0


def test_huge_cost_is_rejected():
    b = TokenBucket(3, 1.0, 0.0)
    with pytest.raises(ValueError):
        b.allow(0.0, cost=10**18)
    assert b.tokens(0.0) == 3.0


def test_huge_timestamps():
    b = TokenBucket(4, 0.5, 10**18)
    assert b.allow(10**18, cost=4) is True
    assert b.tokens(10**18 + 2) == 1.0
    assert b.allow(10**18 + 4, cost=2) is True
    with pytest.raises(ValueError):
        b.tokens(10**18 + 3)
    assert b.tokens(2 * 10**18) == 4.0


def test_huge_rate_refills_at_once_but_is_capped():
    b = TokenBucket(3, 10**18, 0)
    assert b.allow(0, cost=3)
    assert b.tokens(0) == 0.0
    assert b.tokens(1) == 3.0


def test_large_capacity_is_exact():
    b = TokenBucket(10**12, 0.25, 0)
    assert b.allow(0, cost=10**12 - 1)
    assert b.tokens(0) == 1.0
    assert b.tokens(2) == 1.5
    assert b.allow(2, cost=2) is False
    assert b.allow(4, cost=2) is True


def test_negative_zero_is_the_same_time_as_zero():
    b = TokenBucket(2, 1.0, 0.0)
    assert b.allow(-0.0, cost=2) is True
    assert b.tokens(0) == 0.0
    assert b.tokens(-0.0) == 0.0


def test_negative_start_time():
    b = TokenBucket(2, 1.0, -3)
    assert b.allow(-3, cost=2)
    assert b.tokens(-2.5) == 0.5
    with pytest.raises(ValueError):
        b.tokens(-2.75)


def test_time_standing_still_refills_nothing():
    b = TokenBucket(3, 2.0, 1.0)
    assert b.allow(1.0, cost=3)
    for _ in range(5):
        assert b.tokens(1.0) == 0.0
        assert b.allow(1.0) is False
    assert b.allow(1.5) is True


def test_mixed_int_and_float_times():
    b = TokenBucket(2, 1.0, 1)
    assert b.allow(1.0, cost=2)
    assert b.tokens(2) == 1.0
    with pytest.raises(ValueError):
        b.tokens(1.5)
    assert b.tokens(2.0) == 1.0
