"""The judge's gate for collect-once: which suites' top level is data, and the placeholders it offers."""

from __future__ import annotations

import pytest

from qa_arena.grading.collection import defined_names, placeholders_for

VARIANTS = [
    "import math\n\nLIMIT = 10\n\ndef add(a, b):\n    return a + b\n\nclass Box:\n    pass\n",
    "LIMIT = 11\n\ndef add(a, b):\n    return b + a\n\ndef _helper():\n    pass\n\nclass Box:\n    pass\n",
]

DATA = {
    "plain": "from adder import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    "module_import": "import adder\nimport pytest\n\ndef test_add():\n    assert adder.add(1, 2) == 3\n",
    "parametrize": """
import pytest
from adder import add

CASES = [(1, 2, 3), (-1, 1, 0)] + [(i, i, 2 * i) for i in range(5)]

@pytest.mark.parametrize("a, b, expected", CASES, ids=lambda case: str(case))
def test_add(a, b, expected):
    assert add(a, b) == expected
""",
    "fixture_and_class": """
import math
import pytest
from decimal import Decimal
from adder import add

@pytest.fixture(params=[0, math.pi, Decimal("1.5")])
def number(request):
    return request.param

class TestAdd:
    \"\"\"Docstrings are fine.\"\"\"
    ZERO = 0

    @pytest.mark.skipif(False, reason="never")
    def test_zero(self, number):
        assert add(number, self.ZERO) == number
""",
    "lazy_annotations": (
        "from __future__ import annotations\nfrom adder import Box\n\ndef test_box(b: Box = None):\n    pass\n"
    ),
    "unittest": "import unittest\nfrom adder import add\n\nclass T(unittest.TestCase):\n    def test(self):\n"
    "        self.assertEqual(add(1, 1), 2)\n",
}

NOT_DATA = {
    "calls_the_code": ("from adder import add\nEXPECTED = add(1, 1)\n", "a call of 'add'"),
    "holds_the_code": ("from adder import add\nFUNCTIONS = [add]\n", "a use of 'add'"),
    "module_attribute": ("import adder\nLIMIT = adder.LIMIT\n", "a use of .LIMIT"),
    "own_helper": ("def make():\n    return 1\n\nVALUE = make()\n", "a call of 'make'"),
    "shadowed_builtin": ("def sorted(x):\n    return x\n\nDATA = sorted([2, 1])\n", "a call of 'sorted'"),
    "sys_modules": ("import sys\nM = sys.modules['adder']\n", "a use of .modules"),
    "random": ("import random\nSEED = random.random()\n", "a call of 'random.random'"),
    "time": ("import time\nNOW = time.time()\n", "a call of 'time.time'"),
    "dunder_walk": ("X = ().__class__\n", "a use of .__class__"),
    "hook": ("def pytest_generate_tests(metafunc):\n    pass\n", "a hook (pytest_generate_tests)"),
    "own_decorator": (
        "def deco(f):\n    return f\n\n@deco\ndef test_x():\n    pass\n",
        "a decorator other than pytest's",
    ),
    "metaclass": ("class T(metaclass=type):\n    pass\n", "a metaclass"),
    "subclass_hook": (
        "class Base:\n    def __init_subclass__(cls):\n        pass\n",
        "a hook (__init_subclass__)",
    ),
    "statement": ("import os\nos.environ['X'] = '1'\n", "an assignment to an attribute or item"),
    "if": ("import sys\nif sys.platform:\n    X = 1\n", "a top-level If statement"),
    "try": ("try:\n    import numpy\nexcept ImportError:\n    pass\n", "a top-level Try statement"),
    "star": ("from adder import *\n", "a relative or star import"),
    "walrus": ("X = [(y := 1)]\n", "an assignment expression"),
    "lambda_body": ("from adder import add\nF = lambda x: add(x, 1)\n", "a call of 'add'"),
    "eager_annotation": ("from adder import Box\n\ndef test_box(b: Box = None):\n    pass\n", "a use of 'Box'"),
    "class_base": (
        "class Base:\n    pass\n\nclass TestX(Base):\n    pass\n",
        "a use of 'Base'",
    ),
}


@pytest.mark.parametrize("name", sorted(DATA))
def test_a_suite_whose_top_level_is_data_gets_placeholders(name):
    names, reason = placeholders_for(DATA[name], "adder", VARIANTS)
    assert reason == ""
    assert names == ["Box", "LIMIT", "add"]  # defined by every variant: not math, not _helper


@pytest.mark.parametrize("name", sorted(NOT_DATA))
def test_a_suite_that_computes_at_collection_collects_in_each_run(name):
    source, why = NOT_DATA[name]
    names, reason = placeholders_for(source, "adder", VARIANTS)
    assert names is None
    assert why in reason
    assert reason.startswith("line ") and reason.endswith("at collection")


def test_names_are_those_bound_unconditionally_at_the_top():
    source = "import os.path as p\nfrom x import y as z\nA = B = 1\nC: int = 2\nif True:\n    D = 3\n__all__ = []\n"
    assert defined_names(source) == {"p", "z", "A", "B", "C"}


def test_what_does_not_parse_is_not_collected_once():
    assert placeholders_for("def (", "adder", VARIANTS) == (None, "the tests do not parse")
    assert placeholders_for("", "adder", ["def ("]) == (None, "a variant does not parse")
