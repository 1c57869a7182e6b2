"""Rewrites: new text and bytecode per seed, the same behaviour, public names and messages kept."""

from __future__ import annotations

import inspect
import types

import pytest

from qa_arena.grading.rewrite import derive_seed, imported_modules, rewrite_variant

SOURCE = '''"""A module."""
from __future__ import annotations

import re

_PATTERN = re.compile(r"[a-z]+")
_UNITS = {"a": 1}


def _helper(text):
    found = _PATTERN.findall(text)
    return [word.upper() for word in found]


def shout(text: str, times: int = 1) -> str:
    """Shout the words of text."""
    if times < 1:
        raise ValueError(f"times must be at least 1, not {times}")
    words = _helper(text)
    result = " ".join(words)
    return result * times


def dynamic(x):
    total = x
    return locals()


def by_name(key):
    return {"_UNITS": 1}.get(key)
'''


def load(source: str) -> types.ModuleType:
    module = types.ModuleType("variant")
    exec(compile(source, "<variant>", "exec"), module.__dict__)
    return module


def code_of(module: types.ModuleType) -> dict[str, bytes]:
    return {name: f.__code__.co_code for name, f in vars(module).items() if inspect.isfunction(f)}


def test_the_same_seed_gives_the_same_text_another_seed_other_text_and_bytecode():
    assert rewrite_variant(SOURCE, b"a") == rewrite_variant(SOURCE, b"a")
    one, two = load(rewrite_variant(SOURCE, b"a")), load(rewrite_variant(SOURCE, b"b"))
    assert rewrite_variant(SOURCE, b"a") != rewrite_variant(SOURCE, b"b")
    original = load(SOURCE)
    for name in ("shout", "dynamic", "by_name"):
        assert code_of(one)[name] != code_of(original)[name] != code_of(two)[name] or name == "dynamic"
        assert getattr(one, name).__code__.co_varnames != getattr(two, name).__code__.co_varnames or name in (
            "dynamic", "by_name")  # fmt: skip


@pytest.mark.parametrize("seed", [b"%d" % i for i in range(20)])
def test_public_names_signatures_docstrings_behaviour_and_messages_are_kept(seed):
    original, rewritten = load(SOURCE), load(rewrite_variant(SOURCE, seed))
    public = {n for n in vars(original) if not n.startswith("_")}
    assert public <= set(vars(rewritten))
    assert rewritten.__doc__ == "A module."
    assert inspect.signature(rewritten.shout) == inspect.signature(original.shout)
    assert rewritten.shout.__doc__ == original.shout.__doc__
    assert rewritten.shout("ab cd", 2) == original.shout("ab cd", 2) == "AB CDAB CD"
    with pytest.raises(ValueError, match=r"^times must be at least 1, not 0$"):
        rewritten.shout("x", 0)
    assert rewritten.dynamic(3) == {"x": 3, "total": 3}  # locals() is read: nothing renamed or added there
    assert rewritten.by_name("_UNITS") == 1


def test_private_helpers_and_locals_are_renamed_parameters_and_names_in_strings_are_not():
    rewritten = load(rewrite_variant(SOURCE, b"seed"))
    assert not hasattr(rewritten, "_helper") and not hasattr(rewritten, "_PATTERN")
    assert hasattr(rewritten, "_UNITS")  # also spelled in a string: it may be looked up by name
    names = rewritten.shout.__code__.co_varnames
    assert names[:2] == ("text", "times") and "words" not in names and "result" not in names


def test_a_module_using_globals_keeps_its_private_names():
    source = "_X = 1\n\ndef get():\n    return globals()['_X']\n"
    assert load(rewrite_variant(source, b"s")).get() == 1


def test_comparisons_of_a_name_and_a_number_may_be_mirrored():
    texts = {rewrite_variant("def f(n):\n    return n < 0\n", b"%d" % i) for i in range(12)}
    assert any("0 > n" in t for t in texts) and any("n < 0" in t for t in texts)
    assert all(load(t).f(-1) is True and load(t).f(0) is False for t in texts)


def test_imported_modules_are_found_anywhere():
    sources = ["import os.path\nfrom re import compile\n", "def f():\n    import json\n    from . import x\n"]
    assert imported_modules(sources) == ["json", "os.path", "re"]


def test_seeds_are_keyed():
    assert derive_seed(b"k1", "a", "b") != derive_seed(b"k2", "a", "b") != derive_seed(b"k1", "ab")


def test_plain_definitions_are_reordered_unless_one_names_another_or_a_name_is_defined_twice():
    source = "class C:\n" + "".join(f"    def {n}(self):\n        return {i}\n\n" for i, n in enumerate("abc"))
    orders = {tuple(n for n in vars(load(rewrite_variant(source, b"%d" % i)).C) if n in "abc") for i in range(12)}
    assert len(orders) > 1
    twice = "def f():\n    return 1\n\ndef f():\n    return 2\n\ndef g(x=f):\n    return x()\n"
    assert all(load(rewrite_variant(twice, b"%d" % i)).f() == 2 for i in range(12))
