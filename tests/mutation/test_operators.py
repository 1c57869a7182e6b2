import pytest

from qa_arena.mutation.operators import OWN_OPERATORS, make_operator, mutate, operator_specs


@pytest.mark.parametrize("name", sorted(OWN_OPERATORS))
def test_own_operator_examples(name):
    operator = OWN_OPERATORS[name]()
    for example in operator.examples():
        assert mutate(example.pre_mutation_code, operator, example.occurrence) == example.post_mutation_code


def test_remove_statement_leaves_module_definitions_alone():
    source = "LIMIT = 3\n\ndef f(x):\n    y = x + 1\n    return y\n"
    operator = make_operator("qa/RemoveStatement")
    assert mutate(source, operator, 0) == "LIMIT = 3\n\ndef f(x):\n    pass\n    return y\n"
    assert mutate(source, operator, 1) is None


def test_exception_type_only_for_builtin_exceptions():
    operator = make_operator("qa/ExceptionType")
    assert mutate("def f():\n    raise KeyError(1)\n", operator, 0) == "def f():\n    raise IndexError(1)\n"
    assert mutate("def f():\n    raise MyError(1)\n", operator, 0) is None


def test_every_operator_resolves_with_a_category_and_hint():
    specs = operator_specs()
    assert {s.category for s in specs} == {"boundary", "arithmetic", "boolean", "constant", "control flow",
                                           "return value", "removed statement", "swapped arguments",
                                           "exception type"}  # fmt: skip
    for spec in specs:
        assert make_operator(spec.name) is not None
        assert spec.hint and "`" not in spec.hint
