"""Mutation operators: cosmic-ray's, narrowed to mistakes students' tests should catch, plus four of our own.

cosmic-ray (a maintained mutation-testing library) provides the parso-based machinery and the
comparison, arithmetic, boolean, constant and loop operators. It has no operator for a wrong
return value, a removed statement, swapped arguments or a wrong exception type in `raise`, so
those four are written here against its `Operator` interface.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

import parso
from cosmic_ray.operators.operator import Example, Operator
from parso.python.tree import Keyword, Name

# Exception types a realistic bug confuses with each other.
EXCEPTION_SWAPS = {
    "ValueError": "TypeError",
    "TypeError": "ValueError",
    "KeyError": "IndexError",
    "IndexError": "KeyError",
    "OverflowError": "ValueError",
    "ZeroDivisionError": "ValueError",
    "LookupError": "ValueError",
}


class ReturnNone(Operator):
    """`return <expr>` becomes `return None`."""

    def mutation_positions(self, node):
        if node.type == "return_stmt" and len(node.children) == 2:
            value = node.children[1]
            if not (value.type == "keyword" and value.value == "None"):
                yield (value.start_pos, value.end_pos)

    def mutate(self, node, index):
        node.children[1] = Keyword("None", node.children[1].start_pos, prefix=" ")
        return node

    @classmethod
    def examples(cls):
        return (Example("def f():\n    return x + 1\n", "def f():\n    return None\n"),)


class RemoveStatement(Operator):
    """An assignment, a call made for its effect, or a `raise` becomes `pass`."""

    TYPES = ("expr_stmt", "raise_stmt", "atom_expr")

    def mutation_positions(self, node):
        if node.type not in self.TYPES or node.parent is None or node.parent.type != "simple_stmt":
            return
        if node.type == "atom_expr" and not (
            node.children[-1].type == "trailer" and node.children[-1].children[0].value == "("
        ):
            return  # a bare expression that is not a call does nothing
        if node.search_ancestor("funcdef") is not None:  # module-level definitions: removing them only breaks imports
            yield (node.start_pos, node.end_pos)

    def mutate(self, node, index):
        return Keyword("pass", node.start_pos, prefix=node.get_first_leaf().prefix)

    @classmethod
    def examples(cls):
        body = "def f(items):\n    x = 1\n    items.append(x)\n"
        return (
            Example(body, "def f(items):\n    pass\n    items.append(x)\n"),
            Example(body, "def f(items):\n    x = 1\n    pass\n", 1),
        )


class SwapArguments(Operator):
    """The first two positional arguments of a call change places."""

    def mutation_positions(self, node):
        if self._pair(node) is not None:
            yield (node.start_pos, node.end_pos)

    @staticmethod
    def _pair(node):
        if node.type != "trailer" or node.children[0].value != "(" or len(node.children) != 3:
            return None
        arglist = node.children[1]
        if arglist.type != "arglist":
            return None
        args = [child for child in arglist.children if child.type != "operator"]
        if len(args) < 2 or any(a.type == "argument" for a in args[:2]):  # keywords, *args, **kwargs
            return None
        if args[0].get_code().strip() == args[1].get_code().strip():
            return None
        return arglist, args[0], args[1]

    def mutate(self, node, index):
        arglist, first, second = self._pair(node)
        i, j = arglist.children.index(first), arglist.children.index(second)
        first_prefix, second_prefix = first.get_first_leaf().prefix, second.get_first_leaf().prefix
        arglist.children[i], arglist.children[j] = second, first
        second.get_first_leaf().prefix, first.get_first_leaf().prefix = first_prefix, second_prefix
        return node

    @classmethod
    def examples(cls):
        return (Example("divmod(a, b)", "divmod(b, a)"),)


class ExceptionType(Operator):
    """`raise ValueError(...)` raises a related but wrong built-in exception instead."""

    def mutation_positions(self, node):
        if self._name(node) is not None:
            yield (node.start_pos, node.end_pos)

    @staticmethod
    def _name(node):
        if node.type != "raise_stmt" or len(node.children) < 2:
            return None
        target = node.children[1]
        leaf = target if isinstance(target, Name) else target.children[0] if target.type == "atom_expr" else None
        if not isinstance(leaf, Name):
            return None
        exception = getattr(builtins, leaf.value, None)
        if not (isinstance(exception, type) and issubclass(exception, Exception)):
            return None
        return leaf

    def mutate(self, node, index):
        leaf = self._name(node)
        leaf.value = EXCEPTION_SWAPS.get(leaf.value, "ValueError" if leaf.value != "ValueError" else "RuntimeError")
        return node

    @classmethod
    def examples(cls):
        return (Example("raise ValueError('x')", "raise TypeError('x')"),)


@dataclass(frozen=True)
class OperatorSpec:
    name: str
    category: str
    hint: str


_CORE_ARITHMETIC = ["Add_Sub", "Sub_Add", "Mul_Div", "Div_Mul", "Mul_Add", "Add_Mul", "Div_FloorDiv",
                    "FloorDiv_Div", "Mod_FloorDiv", "FloorDiv_Mod"]  # fmt: skip
_CORE_COMPARISON = [f"{a}_{b}" for a in ("Lt", "LtE", "Gt", "GtE", "Eq", "NotEq")
                    for b in ("Lt", "LtE", "Gt", "GtE", "Eq", "NotEq") if a != b]  # fmt: skip

HINTS = {
    "boundary": "Test values right at, just below and just above each boundary the specification names.",
    "arithmetic": "Check the exact result of a few cases you computed by hand.",
    "boolean": "Check both outcomes of every condition the specification states.",
    "constant": "Check cases whose expected result depends on an exact number in the specification.",
    "control flow": "Use inputs that make the function go round its loops more than once.",
    "return value": "Check the value returned in every case the specification lists, not only the usual one.",
    "removed statement": "Check that every step the specification describes really happens.",
    "swapped arguments": "Use inputs where the order of two values matters.",
    "exception type": "Check exactly which exception each kind of invalid input raises.",
}


def operator_specs() -> list[OperatorSpec]:
    """The operators `qa-arena mutants generate` uses, each with a category and a hint draft."""
    specs = [OperatorSpec(f"core/ReplaceComparisonOperator_{p}", "boundary", HINTS["boundary"])
             for p in _CORE_COMPARISON]  # fmt: skip
    specs += [OperatorSpec(f"core/ReplaceBinaryOperator_{p}", "arithmetic", HINTS["arithmetic"])
              for p in _CORE_ARITHMETIC]  # fmt: skip
    specs += [OperatorSpec(f"core/{n}", "boolean", HINTS["boolean"]) for n in
              ("AddNot", "ReplaceTrueWithFalse", "ReplaceFalseWithTrue", "ReplaceAndWithOr", "ReplaceOrWithAnd",
               "ReplaceUnaryOperator_Delete_Not")]  # fmt: skip
    specs.append(OperatorSpec("core/NumberReplacer", "constant", HINTS["constant"]))
    specs += [OperatorSpec(f"core/{n}", "control flow", HINTS["control flow"])
              for n in ("ZeroIterationForLoop", "ReplaceBreakWithContinue", "ReplaceContinueWithBreak")]  # fmt: skip
    specs += [
        OperatorSpec("qa/ReturnNone", "return value", HINTS["return value"]),
        OperatorSpec("qa/RemoveStatement", "removed statement", HINTS["removed statement"]),
        OperatorSpec("qa/SwapArguments", "swapped arguments", HINTS["swapped arguments"]),
        OperatorSpec("qa/ExceptionType", "exception type", HINTS["exception type"]),
    ]
    return specs


OWN_OPERATORS = {"ReturnNone": ReturnNone, "RemoveStatement": RemoveStatement, "SwapArguments": SwapArguments,
                 "ExceptionType": ExceptionType}  # fmt: skip


def make_operator(name: str) -> Operator:
    provider, _, short = name.partition("/")
    if provider == "qa":
        return OWN_OPERATORS[short]()
    import cosmic_ray.plugins

    return cosmic_ray.plugins.get_operator(name)()


def mutate(source: str, operator: Operator, occurrence: int) -> str | None:
    """The source with the operator applied at one occurrence, or None when there is no such occurrence."""
    from cosmic_ray.mutating import mutate_code

    return mutate_code(source, operator, occurrence)


__all__ = ["HINTS", "OperatorSpec", "make_operator", "mutate", "operator_specs", "parso"]
