"""Whether a submission's tests may be collected once for all its runs, and against which placeholders.

The runner can collect a suite once per submission and fork every run from there (collect-once), binding
each run's variant afterwards. That is exact only if collecting computes nothing from the code under test,
from luck or from the world: then the collection is the same whichever variant a run gets. So it is
allowed only when the tests' module-level code is *data*: imports, definitions, and expressions built
from literals, pure built-ins and a few pure standard-library constructors (`SAFE_CALLS`), with pytest's
marks, params and fixtures. Everything else (a call of the tests' own functions, anything of the module
under test, `sys.modules`, a `pytest_generate_tests` hook, ...) makes each run collect for itself, as
always. The runner checks the rest at run time (placeholders called or held, threads, processes, shared
memory) and falls back the same way.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SAFE_CALLS = _words(
    """abs all any bin bool bytes chr complex dict divmod enumerate filter float format frozenset hex int len
    list map max min oct ord pow range repr reversed round set slice sorted str sum tuple zip
    decimal.Decimal fractions.Fraction datetime.date datetime.datetime datetime.time datetime.timedelta
    datetime.timezone collections.namedtuple collections.OrderedDict collections.Counter collections.deque
    collections.defaultdict itertools.product itertools.permutations itertools.combinations
    itertools.combinations_with_replacement itertools.chain itertools.repeat itertools.islice
    itertools.accumulate functools.partial pytest.param pytest.approx pytest.fixture"""
) | {f"math.{name}" for name in _words("ceil floor sqrt isqrt exp log log2 log10 pow fabs gcd lcm factorial comb perm")}
SAFE_VALUES = _words(
    """math.pi math.e math.inf math.nan math.tau sys.maxsize sys.version_info sys.platform sys.float_info
    string.ascii_letters string.ascii_lowercase string.ascii_uppercase string.digits string.hexdigits
    string.punctuation string.whitespace string.printable unittest.TestCase decimal.Decimal
    fractions.Fraction typing.Any typing.List typing.Dict typing.Tuple typing.Optional typing.Union
    typing.Callable typing.Iterable typing.Sequence typing.Mapping"""
)
SAFE_BUILTIN_NAMES = _words(
    "None True False int float str bytes bool list dict tuple set frozenset complex object type "
    "Exception ValueError TypeError KeyError IndexError ZeroDivisionError RuntimeError ArithmeticError "
    "AttributeError LookupError OverflowError AssertionError NotImplementedError StopIteration"
)
PURE_METHODS = _words(
    "items keys values copy get split rsplit splitlines strip lstrip rstrip lower upper title capitalize "
    "casefold join format replace startswith endswith count index find encode decode zfill center ljust "
    "rjust union intersection difference symmetric_difference isoformat"
)
CLASS_HOOKS = frozenset({"__init_subclass__", "__set_name__", "__class_getitem__", "__prepare__"})


class NotData(Exception):
    """The tests compute something at collection: what and where."""


def defined_names(source: str) -> set[str]:
    """Names a variant's module binds unconditionally at its top level (dunder names excepted)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return {n for n in names if not (n.startswith("__") and n.endswith("__"))}


def placeholders_for(tests_source: str, module: str, variant_sources: Iterable[str]) -> tuple[list[str] | None, str]:
    """The names a collection may bind from `module` (those every variant defines), or None and why the
    runs must collect each for themselves."""
    try:
        tree = ast.parse(tests_source)
    except SyntaxError:
        return None, "the tests do not parse"
    try:
        _ModuleData(module).check(tree)
    except NotData as exc:
        return None, str(exc)
    names: set[str] | None = None
    for source in variant_sources:
        try:
            defined = defined_names(source)
        except SyntaxError:
            return None, "a variant does not parse"
        names = defined if names is None else names & defined
    return sorted(names or ()), ""


class _ModuleData:
    """Checks that a test module's top level computes only data (see the module's docstring)."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.qualified: dict[str, str] = {}  # a name imported at top level -> what it is ("math.pi")
        self.safe: set[str] = set(SAFE_BUILTIN_NAMES)  # names whose value is data
        self.bound: set[str] = set()  # every name the tests bind at top level (it may shadow a built-in)
        self.lazy_annotations = False

    def check(self, tree: ast.Module) -> None:
        self.statements(tree.body, self.safe)

    def fail(self, node: ast.AST, what: str) -> NotData:
        return NotData(f"line {getattr(node, 'lineno', '?')}: {what} at collection")

    def statements(self, body: list[ast.stmt], safe: set[str]) -> None:
        for node in body:
            self.bound.update(_bound_by(node))
            safe.difference_update(_bound_by(node))  # data again only if the statement below says so
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    self.qualified[alias.asname or top] = alias.name if alias.asname else top
            elif isinstance(node, ast.ImportFrom):
                if node.level or any(a.name == "*" for a in node.names):
                    raise self.fail(node, "a relative or star import")
                self.lazy_annotations |= node.module == "__future__" and any(
                    a.name == "annotations" for a in node.names
                )
                for alias in node.names:
                    self.qualified[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.function(node, safe)
            elif isinstance(node, ast.ClassDef):
                self.klass(node, safe)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is not None:
                    self.expr(node.value, safe)
                if isinstance(node, ast.AnnAssign):
                    self.annotation(node.annotation, safe)
                for target in targets:
                    for leaf in _leaves(target):
                        if not isinstance(leaf, ast.Name):
                            raise self.fail(node, "an assignment to an attribute or item")
                        safe.add(leaf.id)
                        self.qualified.pop(leaf.id, None)
            elif isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                continue
            else:
                raise self.fail(node, f"a top-level {type(node).__name__} statement")

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, safe: set[str]) -> None:
        if node.name.startswith("pytest_") or node.name in CLASS_HOOKS:
            raise self.fail(node, f"a hook ({node.name}) called")
        for decorator in node.decorator_list:
            self.decorator(decorator, safe)
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
            self.expr(default, safe)
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg, node.args.kwarg]
        for annotation in [a.annotation for a in arguments if a is not None] + [node.returns]:
            if annotation is not None:
                self.annotation(annotation, safe)
        self.qualified.pop(node.name, None)

    def klass(self, node: ast.ClassDef, safe: set[str]) -> None:
        if node.keywords:
            raise self.fail(node, "a class with keywords (a metaclass)")
        for decorator in node.decorator_list:
            self.decorator(decorator, safe)
        for base in node.bases:
            self.expr(base, safe)
        self.statements(node.body, set(safe))
        self.qualified.pop(node.name, None)  # not data: its methods are the tests' code

    def decorator(self, node: ast.expr, safe: set[str]) -> None:
        call = node.func if isinstance(node, ast.Call) else node
        dotted = self.dotted(call)
        if not (dotted == "pytest.fixture" or dotted.startswith("pytest.mark.")):
            raise self.fail(node, "a decorator other than pytest's marks and fixture")
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                self.expr(arg, safe)

    def annotation(self, node: ast.expr, safe: set[str]) -> None:
        if not self.lazy_annotations:
            self.expr(node, safe)

    def dotted(self, node: ast.expr) -> str:
        """'pytest.mark.parametrize' for pytest.mark.parametrize when `pytest` is the imported module."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.qualified:
            return ""
        return ".".join([self.qualified[node.id], *reversed(parts)])

    def expr(self, node: ast.expr, safe: set[str]) -> None:
        """Raise NotData unless evaluating `node` computes only data."""
        if isinstance(node, ast.Constant):
            return
        if isinstance(node, ast.Name):
            if node.id in safe or self.dotted(node) in SAFE_VALUES:
                return
            raise self.fail(node, f"a use of {node.id!r}")
        if isinstance(node, ast.Attribute):
            dotted = self.dotted(node)
            if dotted in SAFE_VALUES or dotted.startswith("pytest.mark."):
                return
            if node.attr.startswith("_") or dotted:
                raise self.fail(node, f"a use of .{node.attr}")
            self.expr(node.value, safe)
            return
        if isinstance(node, ast.Call):
            self.call(node, safe)
            return
        if isinstance(node, ast.Lambda):
            for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
                self.expr(default, safe)
            params = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
            params |= {a.arg for a in (node.args.vararg, node.args.kwarg) if a is not None}
            self.expr(node.body, safe | params)  # pytest calls some (ids=...) at collection
            return
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            local = set(safe)
            for generator in node.generators:
                self.expr(generator.iter, local)
                local |= {leaf.id for leaf in _leaves(generator.target) if isinstance(leaf, ast.Name)}
                for condition in generator.ifs:
                    self.expr(condition, local)
            for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
                self.expr(part, local)
            return
        if isinstance(node, ast.NamedExpr):
            raise self.fail(node, "an assignment expression")
        if not isinstance(node, DATA_NODES):
            raise self.fail(node, f"a {type(node).__name__} expression")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, safe)

    def call(self, node: ast.Call, safe: set[str]) -> None:
        function = node.func
        dotted = self.dotted(function)
        builtin = isinstance(function, ast.Name) and function.id in SAFE_CALLS and function.id not in self.bound
        if builtin or dotted in SAFE_CALLS or dotted.startswith("pytest.mark."):
            pass
        elif isinstance(function, ast.Attribute) and not dotted and function.attr in PURE_METHODS:
            self.expr(function.value, safe)
        else:
            raise self.fail(node, f"a call of {ast.unparse(function)!r}")
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            self.expr(arg, safe)


DATA_NODES = (
    ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Starred, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
    ast.IfExp, ast.Subscript, ast.Slice, ast.JoinedStr, ast.FormattedValue,
)  # fmt: skip


def _bound_by(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {leaf.id for target in targets for leaf in _leaves(target) if isinstance(leaf, ast.Name)}
    return set()


def _leaves(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [leaf for element in target.elts for leaf in _leaves(element)]
    if isinstance(target, ast.Starred):
        return _leaves(target.value)
    return [target]
