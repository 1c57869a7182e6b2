import pytest
from turnstile import Turnstile


def test_description_example_default_fare():
    t = Turnstile()
    t.insert_coin(20)
    t.insert_coin(20)
    assert t.state == "locked"
    assert t.credit == 40
    assert t.push() is False
    assert t.alarms == 1
    t.insert_coin(20)
    assert t.state == "unlocked"
    assert t.credit == 10
    with pytest.raises(ValueError):
        t.refund()
    assert t.push() is True
    assert t.passages == 1
    assert t.state == "locked"
    assert t.credit == 10
    assert t.refund() == 10
    assert t.credit == 0
    with pytest.raises(ValueError):
        t.insert_coin(25)


def test_description_example_prepaid_passages():
    t = Turnstile(fare=30)
    t.insert_coin(100)
    assert (t.state, t.credit) == ("unlocked", 70)
    assert t.push() is True
    assert (t.state, t.credit) == ("unlocked", 40)
    assert t.push() is True
    assert (t.state, t.credit) == ("unlocked", 10)
    assert t.push() is True
    assert (t.state, t.credit, t.passages) == ("locked", 10, 3)


def test_initial_state():
    t = Turnstile()
    assert t.state == "locked"
    assert t.credit == 0
    assert t.passages == 0
    assert t.alarms == 0


@pytest.mark.parametrize("fare", [0, -5, -50])
def test_fare_must_be_positive(fare):
    with pytest.raises(ValueError):
        Turnstile(fare)


def test_fare_of_one_cent():
    t = Turnstile(fare=1)
    t.insert_coin(5)
    assert (t.state, t.credit) == ("unlocked", 4)


def test_fare_that_is_not_a_coin_value():
    t = Turnstile(fare=35)
    t.insert_coin(20)
    t.insert_coin(10)
    assert t.state == "locked"
    t.insert_coin(5)
    assert (t.state, t.credit) == ("unlocked", 0)


def test_default_fare_is_fifty():
    t = Turnstile()
    t.insert_coin(20)
    t.insert_coin(20)
    t.insert_coin(5)
    assert t.state == "locked"
    t.insert_coin(5)
    assert (t.state, t.credit) == ("unlocked", 0)


@pytest.mark.parametrize("coin", [5, 10, 20, 50, 100, 200])
def test_every_accepted_coin_is_credited(coin):
    t = Turnstile(fare=1000)
    t.insert_coin(coin)
    assert t.credit == coin
    assert t.state == "locked"


@pytest.mark.parametrize("cents", [0, 1, 2, 15, 25, 30, 500, -5, -50])
def test_other_amounts_are_rejected(cents):
    t = Turnstile(fare=1000)
    t.insert_coin(10)
    with pytest.raises(ValueError):
        t.insert_coin(cents)
    assert t.credit == 10
    assert t.state == "locked"


def test_rejected_coin_cannot_unlock():
    t = Turnstile(fare=50)
    t.insert_coin(20)
    t.insert_coin(20)
    with pytest.raises(ValueError):
        t.insert_coin(40)
    assert (t.state, t.credit) == ("locked", 40)


def test_exact_fare_unlocks():
    t = Turnstile(fare=50)
    t.insert_coin(50)
    assert t.state == "unlocked"
    assert t.credit == 0


def test_exact_fare_from_several_coins_unlocks():
    t = Turnstile(fare=50)
    for coin in (20, 20, 10):
        t.insert_coin(coin)
    assert (t.state, t.credit) == ("unlocked", 0)


def test_one_short_of_the_fare_stays_locked():
    t = Turnstile(fare=50)
    t.insert_coin(20)
    t.insert_coin(20)
    t.insert_coin(5)
    assert (t.state, t.credit) == ("locked", 45)


def test_overpayment_is_kept_as_credit():
    t = Turnstile(fare=50)
    t.insert_coin(20)
    t.insert_coin(100)
    assert (t.state, t.credit) == ("unlocked", 70)


def test_coins_while_unlocked_are_only_credited():
    t = Turnstile(fare=50)
    t.insert_coin(50)
    t.insert_coin(100)
    assert (t.state, t.credit) == ("unlocked", 100)
    t.insert_coin(5)
    assert (t.state, t.credit) == ("unlocked", 105)


def test_credit_kept_while_unlocked_pays_later_passages():
    t = Turnstile(fare=50)
    t.insert_coin(50)
    t.insert_coin(50)
    assert t.push() is True
    assert (t.state, t.credit) == ("unlocked", 0)
    assert t.push() is True
    assert (t.state, t.passages) == ("locked", 2)


def test_push_when_unlocked_passes_and_relocks():
    t = Turnstile(fare=50)
    t.insert_coin(50)
    assert t.push() is True
    assert t.state == "locked"
    assert t.passages == 1
    assert t.alarms == 0


def test_one_fare_one_passage():
    t = Turnstile(fare=50)
    t.insert_coin(50)
    assert t.push() is True
    assert t.push() is False
    assert t.passages == 1
    assert t.alarms == 1


def test_push_when_locked_raises_alarm_and_changes_nothing_else():
    t = Turnstile(fare=50)
    t.insert_coin(20)
    assert t.push() is False
    assert t.push() is False
    assert (t.state, t.credit, t.passages, t.alarms) == ("locked", 20, 0, 2)


def test_relocks_when_leftover_credit_is_short():
    t = Turnstile(fare=50)
    t.insert_coin(20)
    t.insert_coin(50)
    assert t.push() is True
    assert (t.state, t.credit) == ("locked", 20)


def test_leftover_credit_unlocks_again_after_passage():
    t = Turnstile(fare=50)
    t.insert_coin(200)
    assert (t.state, t.credit) == ("unlocked", 150)
    for expected_credit in (100, 50, 0):
        assert t.push() is True
        assert (t.state, t.credit) == ("unlocked", expected_credit)
    assert t.push() is True
    assert (t.state, t.credit, t.passages) == ("locked", 0, 4)
    assert t.push() is False


def test_counters_are_never_reset():
    t = Turnstile(fare=20)
    t.push()
    t.push()
    t.insert_coin(20)
    t.push()
    t.push()
    t.insert_coin(20)
    t.push()
    assert t.passages == 2
    assert t.alarms == 3


def test_refund_returns_and_clears_credit():
    t = Turnstile(fare=100)
    t.insert_coin(50)
    t.insert_coin(20)
    assert t.refund() == 70
    assert t.credit == 0
    assert t.refund() == 0
    t.insert_coin(50)
    assert t.state == "locked"


def test_refund_without_credit_returns_zero():
    t = Turnstile()
    assert t.refund() == 0
    assert (t.state, t.credit) == ("locked", 0)


def test_refund_refused_while_unlocked():
    t = Turnstile(fare=50)
    t.insert_coin(100)
    with pytest.raises(ValueError):
        t.refund()
    assert (t.state, t.credit) == ("unlocked", 50)


def test_refund_refused_while_unlocked_even_without_credit():
    t = Turnstile(fare=50)
    t.insert_coin(50)
    with pytest.raises(ValueError):
        t.refund()
    assert t.state == "unlocked"
    assert t.push() is True


def test_refund_after_passage():
    t = Turnstile(fare=50)
    t.insert_coin(100)
    t.insert_coin(20)
    t.insert_coin(5)
    assert t.push() is True
    assert (t.state, t.credit) == ("unlocked", 25)
    assert t.push() is True
    assert t.refund() == 25
    assert (t.state, t.credit) == ("locked", 0)


@pytest.mark.parametrize("fare", [50.0, 0.5, -0.0, 1.0, None, "50", False])
def test_fare_must_be_a_positive_int(fare):
    with pytest.raises(ValueError):
        Turnstile(fare)


def test_true_is_a_fare_of_one_cent():
    t = Turnstile(True)
    t.insert_coin(5)
    assert (t.state, t.credit) == ("unlocked", 4)


def test_huge_fare():
    t = Turnstile(fare=10**18)
    t.insert_coin(200)
    assert (t.state, t.credit) == ("locked", 200)
    assert t.push() is False
    assert t.refund() == 200


@pytest.mark.parametrize("cents", [5.0, 50.0, 200.0, -0.0, True, False, None, "5", "50", [5], 10**18])
def test_values_that_are_not_int_coins_are_rejected(cents):
    t = Turnstile(fare=50)
    t.insert_coin(20)
    t.insert_coin(20)
    with pytest.raises(ValueError):
        t.insert_coin(cents)
    assert (t.state, t.credit, t.passages, t.alarms) == ("locked", 40, 0, 0)


def test_rejected_coin_while_unlocked_changes_nothing():
    t = Turnstile(fare=50)
    t.insert_coin(100)
    with pytest.raises(ValueError):
        t.insert_coin(50.0)
    assert (t.state, t.credit) == ("unlocked", 50)


def test_credit_stays_an_int():
    t = Turnstile(fare=30)
    t.insert_coin(50)
    assert t.credit == 20
    assert type(t.credit) is int
    assert t.push() is True
    refunded = t.refund()
    assert refunded == 20
    assert type(refunded) is int


@pytest.mark.parametrize("name", ["state", "credit", "passages", "alarms"])
def test_attributes_are_read_only(name):
    t = Turnstile()
    t.insert_coin(20)
    before = (t.state, t.credit, t.passages, t.alarms)
    with pytest.raises(AttributeError):
        setattr(t, name, "unlocked" if name == "state" else 1000)
    assert (t.state, t.credit, t.passages, t.alarms) == before


def test_push_and_refund_before_any_coin():
    t = Turnstile()
    assert t.refund() == 0
    assert t.push() is False
    assert t.refund() == 0
    assert t.push() is False
    assert (t.state, t.credit, t.passages, t.alarms) == ("locked", 0, 0, 2)


def test_refund_twice_in_a_row():
    t = Turnstile(fare=100)
    t.insert_coin(50)
    assert t.refund() == 50
    assert t.refund() == 0
    t.insert_coin(50)
    t.insert_coin(20)
    assert (t.state, t.credit) == ("locked", 70)
