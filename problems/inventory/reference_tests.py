import pytest
from inventory import Inventory


def test_description_example():
    inv = Inventory(10)
    inv.add("apple", 3)
    inv.add("Apple", 2)
    inv.add("pear", 5)
    with pytest.raises(OverflowError):
        inv.add("fig", 1)
    assert inv.items() == [("Apple", 2), ("apple", 3), ("pear", 5)]
    assert inv.remove("pear", 4) == 4
    assert inv.remove("pear", 1) == 1
    assert inv.count("pear") == 0
    assert inv.total == 5
    assert inv.items() == [("Apple", 2), ("apple", 3)]


def test_new_inventory_is_empty():
    inv = Inventory(5)
    assert inv.total == 0
    assert inv.items() == []
    assert inv.count("anything") == 0


@pytest.mark.parametrize("capacity", [0, -1, -100])
def test_capacity_below_one_is_rejected(capacity):
    with pytest.raises(ValueError):
        Inventory(capacity)


def test_capacity_of_one():
    inv = Inventory(1)
    inv.add("coin", 1)
    assert inv.total == 1
    with pytest.raises(OverflowError):
        inv.add("gem", 1)


def test_adding_accumulates():
    inv = Inventory(100)
    inv.add("bolt", 4)
    inv.add("bolt", 6)
    inv.add("nut", 7)
    assert inv.count("bolt") == 10
    assert inv.count("nut") == 7
    assert inv.total == 17


def test_filling_exactly_to_capacity_is_allowed():
    inv = Inventory(8)
    inv.add("bolt", 5)
    inv.add("nut", 3)
    assert inv.total == 8
    assert inv.items() == [("bolt", 5), ("nut", 3)]


def test_single_add_of_full_capacity():
    inv = Inventory(8)
    inv.add("bolt", 8)
    assert inv.count("bolt") == 8


def test_capacity_counts_all_items_together():
    inv = Inventory(10)
    inv.add("bolt", 6)
    with pytest.raises(OverflowError):
        inv.add("nut", 5)


def test_refused_add_changes_nothing():
    inv = Inventory(10)
    inv.add("bolt", 6)
    with pytest.raises(OverflowError):
        inv.add("bolt", 5)
    with pytest.raises(OverflowError):
        inv.add("nut", 11)
    assert inv.count("bolt") == 6
    assert inv.count("nut") == 0
    assert inv.total == 6
    assert inv.items() == [("bolt", 6)]


def test_space_freed_by_remove_can_be_reused():
    inv = Inventory(5)
    inv.add("bolt", 5)
    inv.remove("bolt", 2)
    inv.add("nut", 2)
    assert inv.items() == [("bolt", 3), ("nut", 2)]


@pytest.mark.parametrize("qty", [0, -1, -5])
def test_add_needs_a_positive_quantity(qty):
    inv = Inventory(10)
    with pytest.raises(ValueError):
        inv.add("bolt", qty)
    assert inv.items() == []
    assert inv.total == 0


@pytest.mark.parametrize("qty", [0, -3])
def test_remove_needs_a_positive_quantity(qty):
    inv = Inventory(10)
    inv.add("bolt", 4)
    with pytest.raises(ValueError):
        inv.remove("bolt", qty)
    assert inv.count("bolt") == 4


@pytest.mark.parametrize("name", ["", None, 5, ("a",)])
def test_invalid_names(name):
    inv = Inventory(10)
    inv.add("bolt", 1)
    with pytest.raises(ValueError):
        inv.add(name, 1)
    with pytest.raises(ValueError):
        inv.remove(name, 1)
    with pytest.raises(ValueError):
        inv.count(name)
    assert inv.items() == [("bolt", 1)]


def test_arguments_are_checked_before_anything_else():
    inv = Inventory(10)
    with pytest.raises(ValueError):
        inv.add("", 1000)
    with pytest.raises(ValueError):
        inv.remove("ghost", 0)


def test_remove_returns_number_removed():
    inv = Inventory(20)
    inv.add("bolt", 9)
    assert inv.remove("bolt", 2) == 2
    assert inv.count("bolt") == 7
    assert inv.remove("bolt", 1) == 1
    assert inv.count("bolt") == 6


def test_remove_everything_returns_quantity():
    inv = Inventory(20)
    inv.add("bolt", 9)
    assert inv.remove("bolt", 9) == 9
    assert inv.total == 0


def test_item_reaching_zero_disappears_from_items():
    inv = Inventory(20)
    inv.add("bolt", 3)
    inv.add("nut", 2)
    inv.remove("bolt", 3)
    assert inv.items() == [("nut", 2)]
    assert inv.count("bolt") == 0


def test_removed_item_is_unknown_afterwards():
    inv = Inventory(20)
    inv.add("bolt", 3)
    inv.remove("bolt", 3)
    with pytest.raises(KeyError):
        inv.remove("bolt", 1)


def test_removing_unknown_item_raises_key_error():
    inv = Inventory(20)
    inv.add("bolt", 3)
    with pytest.raises(KeyError):
        inv.remove("nut", 1)
    assert inv.items() == [("bolt", 3)]


def test_removing_from_empty_inventory_raises_key_error():
    with pytest.raises(KeyError):
        Inventory(3).remove("bolt", 1)


def test_removing_more_than_held_changes_nothing():
    inv = Inventory(20)
    inv.add("bolt", 3)
    with pytest.raises(ValueError):
        inv.remove("bolt", 4)
    assert inv.count("bolt") == 3
    assert inv.total == 3


def test_names_are_case_sensitive():
    inv = Inventory(20)
    inv.add("Bolt", 2)
    assert inv.count("bolt") == 0
    assert inv.count("Bolt") == 2
    with pytest.raises(KeyError):
        inv.remove("BOLT", 1)


def test_names_are_used_as_given():
    inv = Inventory(20)
    inv.add(" bolt", 1)
    inv.add("bolt", 2)
    inv.add(" ", 3)
    assert inv.items() == [(" ", 3), (" bolt", 1), ("bolt", 2)]


def test_items_sorted_by_name_whatever_the_insertion_order():
    inv = Inventory(100)
    for name, qty in [("pear", 1), ("apple", 2), ("fig", 3), ("banana", 4)]:
        inv.add(name, qty)
    assert inv.items() == [("apple", 2), ("banana", 4), ("fig", 3), ("pear", 1)]


def test_items_uppercase_sorts_before_lowercase():
    inv = Inventory(100)
    inv.add("apple", 1)
    inv.add("Zebra", 2)
    inv.add("mango", 3)
    inv.add("Kiwi", 4)
    assert inv.items() == [("Kiwi", 4), ("Zebra", 2), ("apple", 1), ("mango", 3)]


def test_items_returns_a_new_list_each_time():
    inv = Inventory(10)
    inv.add("bolt", 2)
    first = inv.items()
    first.append(("nut", 1))
    first.remove(("bolt", 2))
    assert inv.items() == [("bolt", 2)]
    assert inv.items() is not inv.items()


def test_earlier_items_list_is_a_snapshot():
    inv = Inventory(10)
    inv.add("bolt", 2)
    before = inv.items()
    inv.add("nut", 1)
    assert before == [("bolt", 2)]
    assert inv.items() == [("bolt", 2), ("nut", 1)]


@pytest.mark.parametrize("capacity", [2.0, 2.5, -0.0, 10.0, None, "5", False])
def test_capacity_must_be_an_int_of_at_least_one(capacity):
    with pytest.raises(ValueError):
        Inventory(capacity)


def test_true_is_a_capacity_of_one():
    inv = Inventory(True)
    inv.add("coin", 1)
    with pytest.raises(OverflowError):
        inv.add("coin", 1)
    assert inv.items() == [("coin", 1)]


@pytest.mark.parametrize("qty", [1.0, 2.5, -0.0, 0.5, None, "3", False])
def test_add_quantity_must_be_an_int(qty):
    inv = Inventory(10)
    inv.add("bolt", 2)
    with pytest.raises(ValueError):
        inv.add("bolt", qty)
    with pytest.raises(ValueError):
        inv.add("nut", qty)
    assert inv.items() == [("bolt", 2)]
    assert inv.total == 2


@pytest.mark.parametrize("qty", [1.0, 2.0, -0.0, None, "1", False])
def test_remove_quantity_must_be_an_int(qty):
    inv = Inventory(10)
    inv.add("bolt", 2)
    with pytest.raises(ValueError):
        inv.remove("bolt", qty)
    with pytest.raises(ValueError):
        inv.remove("ghost", qty)
    assert inv.items() == [("bolt", 2)]


def test_true_counts_as_one_unit():
    inv = Inventory(2)
    inv.add("bolt", True)
    assert inv.count("bolt") == 1
    assert inv.items() == [("bolt", 1)]
    inv.add("bolt", True)
    assert inv.total == 2
    with pytest.raises(OverflowError):
        inv.add("nut", True)
    assert inv.remove("bolt", True) == 1
    assert inv.items() == [("bolt", 1)]


def test_huge_quantities():
    inv = Inventory(10**18)
    inv.add("grain", 10**18 - 1)
    inv.add("seed", 1)
    assert inv.total == 10**18
    with pytest.raises(OverflowError):
        inv.add("seed", 1)
    assert inv.remove("grain", 10**18 - 1) == 10**18 - 1
    assert inv.items() == [("seed", 1)]


def test_huge_addition_overflows_a_small_inventory():
    inv = Inventory(5)
    with pytest.raises(OverflowError):
        inv.add("grain", 10**18)
    assert inv.total == 0
    with pytest.raises(ValueError):
        inv.add("", 10**18)


def test_unicode_names_are_not_normalised():
    inv = Inventory(20)
    inv.add("\u00e9", 1)      # é as one character
    inv.add("e\u0301", 2)     # e followed by a combining acute accent
    inv.add("\u00df", 3)      # ß
    assert inv.count("\u00e9") == 1
    assert inv.count("e\u0301") == 2
    assert inv.count("SS") == 0
    assert inv.count("ss") == 0
    with pytest.raises(KeyError):
        inv.remove("E\u0301", 1)
    assert inv.items() == [("e\u0301", 2), ("\u00df", 3), ("\u00e9", 1)]


def test_whitespace_variants_are_different_items():
    inv = Inventory(20)
    inv.add("apple", 1)
    inv.add("apple ", 2)
    inv.add("\t", 3)
    assert inv.count("apple") == 1
    assert inv.count("apple ") == 2
    assert inv.count(" apple") == 0
    with pytest.raises(KeyError):
        inv.remove(" apple", 1)
    assert inv.items() == [("\t", 3), ("apple", 1), ("apple ", 2)]


def test_total_is_read_only():
    inv = Inventory(10)
    inv.add("bolt", 3)
    with pytest.raises(AttributeError):
        inv.total = 0
    assert inv.total == 3


def test_remove_before_any_add_and_repeated_removes():
    inv = Inventory(10)
    with pytest.raises(KeyError):
        inv.remove("bolt", 1)
    inv.add("bolt", 2)
    assert inv.remove("bolt", 1) == 1
    assert inv.remove("bolt", 1) == 1
    with pytest.raises(KeyError):
        inv.remove("bolt", 1)
    with pytest.raises(KeyError):
        inv.remove("bolt", 5)
    assert inv.items() == []
