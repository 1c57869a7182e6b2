"""The notebook side: the static check and the stand-in for the hidden module."""

import pytest

from qa_arena.client import HiddenImplementation, check, static_check, stub_module


def test_static_check_lists_tests_and_flags_empty_ones():
    source = "%load_ext x\nimport pytest\n\ndef test_a():\n    assert 1\n\ndef test_b():\n    pass\n"
    assert static_check(source) == [
        "2 test function(s): test_a, test_b",
        "test_b asserts nothing: it cannot catch a bug",
    ]
    assert static_check("def test_a(:\n") == ["syntax error on line 1: invalid syntax"]
    assert static_check("x = 1\n") == ["no test functions (name them test_...)"]
    assert "not configured" in check("durations", "def test_a():\n    assert True\n")


def test_stand_in_module_imports_any_name_and_refuses_to_run():
    module = stub_module("durations")
    parse_duration = module.parse_duration
    with pytest.raises(HiddenImplementation, match=r"durations\.parse_duration is hidden"):
        parse_duration("1h")
    with pytest.raises(NotImplementedError):
        module.Inventory(3)
