"""The notebook side: the static check and the stand-in for the hidden module."""

import pytest

from qa_arena.client import CheckClient, HiddenImplementation, check, static_check, stub_module


def test_static_check_lists_tests_and_flags_empty_ones():
    source = "%load_ext x\nimport pytest\n\ndef test_a():\n    assert 1\n\ndef test_b():\n    pass\n"
    assert static_check(source) == [
        "2 test function(s): test_a, test_b",
        "test_b asserts nothing: it cannot catch a bug",
    ]
    assert static_check("def test_a(:\n") == ["syntax error on line 1: invalid syntax"]
    assert static_check("x = 1\n") == ["no test functions (name them test_...)"]
    unconfigured = CheckClient(url="", token="")
    assert "not configured" in str(check("durations", "def test_a():\n    assert True\n", client=unconfigured))


def test_stand_in_module_imports_any_name_and_refuses_to_run():
    module = stub_module("durations")
    parse_duration = module.parse_duration
    with pytest.raises(HiddenImplementation, match=r"durations\.parse_duration is hidden"):
        parse_duration("1h")
    with pytest.raises(NotImplementedError):
        module.Inventory(3)


def test_a_check_with_no_service_answering_says_so_in_words():
    client = CheckClient(url="http://127.0.0.1:9/services/qa-arena/", token="a-token", timeout_s=5)
    result = check("durations", "def test_a():\n    assert 1\n", client=client)
    assert "Could not check: cannot reach the check service at http://127.0.0.1:9/services/qa-arena/" in str(result)
    assert "<li>1 test function(s): test_a</li>" in result._repr_html_()
    broken = check("durations", "def test_a(:\n", client=client)  # not sent: the service is not asked
    assert "Fix this first" in str(broken)
