"""Behaviour-preserving rewrites of a variant: every submission's runs see new text and new bytecode.

Problems are reused and their directories leak. A test that recognises a variant by its code (a hash
of its source, of its bytecode, of `dis` output, of line numbers, of its names) would kill mutants
without testing anything. So every variant is graded as a rewrite seeded per submission, and the
golden is also graded as *twins* (rewrites with other seeds, correct variants): a test that reads
code instead of running it fails on a twin and is invalid.

The syntax tree is Python's own (`ast`) and the scope analysis is the compiler's (`symtable`), so a
rename follows exactly the bindings CPython makes. Every transformation keeps public names,
signatures, docstrings, exception types and messages; each is skipped where it could not be proved
safe (a function that calls `locals()`, a name also spelled in a string, a decorated definition...).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import hmac
import random
import symtable

# names whose use makes a scope's variables observable by name: such scopes are not renamed
DYNAMIC_NAMES = frozenset({"locals", "vars", "globals", "eval", "exec", "__import__", "getattr", "setattr",
                           "hasattr", "delattr"})  # fmt: skip
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)  # fmt: skip
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
MIRRORED = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}


class RewriteError(ValueError):
    """A variant whose rewrite does not compile (a fault of this module, never of the variant)."""


def derive_seed(key: bytes, *parts: str) -> bytes:
    """HMAC-SHA256 of `parts` under `key`: seeds nobody can compute without the key."""
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).digest()


def rewrite_variant(source: str, seed: bytes) -> str:
    """`source` rewritten with `seed`: the same seed gives the same text, another seed other text."""
    tree = ast.parse(source)
    table = symtable.symtable(source, "<variant>", "exec")
    rng = random.Random(seed)
    nodes = list(ast.walk(tree))  # one walk for every question about the whole module
    fresh = _NameSupply(_identifiers(nodes), rng)
    dynamic = _uses_dynamic_names(nodes)  # most modules use none: then no scope needs checking one by one
    reflective = _uses_dynamic_names(nodes, DYNAMIC_NAMES - {"locals"})  # locals() shows a function's own names
    if not reflective:
        _rename_private_globals(tree, nodes, table, fresh)
    functions = _function_tables(table)
    defs = [node for node in nodes if isinstance(node, FUNCTIONS)]
    has_match = any(isinstance(node, ast.Match) for node in nodes)
    for node in defs:
        if not (dynamic and _uses_dynamic_names(ast.walk(node))) and not (has_match and _has_match(node)):
            _rename_locals(node, functions.get((node.name, node.lineno)), fresh)
    _flip_comparisons(nodes, rng)
    _insert_dead_stores(tree, defs, dynamic, reflective, fresh, rng)
    text = _layout(tree, rng)
    try:
        compile(text, "<rewrite>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise RewriteError(f"the rewrite does not compile: {exc}") from exc
    return text


def imported_modules(sources: list[str]) -> list[str]:
    """Every module that any of `sources` imports (absolute imports, anywhere in the code), sorted."""
    return sorted(set().union(*(_imports(source) for source in sources)))


@functools.lru_cache(maxsize=1024)
def _imports(source: str) -> frozenset[str]:
    """A variant's imports: the same at every submission, so parsed once per process."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return frozenset(found)


class _NameSupply:
    """Fresh private names that appear nowhere in the module."""

    def __init__(self, taken: set[str], rng: random.Random) -> None:
        self.taken = taken
        self.rng = rng

    def __call__(self) -> str:
        while True:
            name = "_" + "".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz", k=6))
            if name not in self.taken:
                self.taken.add(name)
                return name


def _identifiers(nodes) -> set[str]:
    """Every identifier spelled in `nodes`, as a name, an argument, an attribute or a declaration."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, (*FUNCTIONS, ast.ClassDef, ast.ExceptHandler)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
    return names


def _strings(nodes) -> str:
    return "\0".join(n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str))


def _all_tables(table: symtable.SymbolTable):
    yield table
    for child in table.get_children():
        yield from _all_tables(child)


def _function_tables(table: symtable.SymbolTable) -> dict[tuple[str, int], symtable.SymbolTable]:
    """Function scopes by (name, line); two on one line are left out (which is which is not known)."""
    found: dict[tuple[str, int], symtable.SymbolTable] = {}
    seen: set[tuple[str, int]] = set()
    for scope in _all_tables(table):
        if scope.get_type() == "function":
            key = (scope.get_name(), scope.get_lineno())
            if key in seen:
                found.pop(key, None)
            else:
                found[key] = scope
            seen.add(key)
    return found


def _uses_dynamic_names(nodes, names: frozenset[str] = DYNAMIC_NAMES) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in nodes)


def _rename(nodes, mapping: dict[str, str]) -> None:
    """Rename every binding and use of `mapping`'s names in `nodes` (the caller proved they are one variable)."""
    if not mapping:
        return
    for child in nodes:
        if isinstance(child, ast.Name) and child.id in mapping:
            child.id = mapping[child.id]
        elif isinstance(child, (*FUNCTIONS, ast.ExceptHandler)) and child.name in mapping:
            child.name = mapping[child.name]
        elif isinstance(child, ast.Global):
            child.names = [mapping.get(n, n) for n in child.names]


def _has_match(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Match) for n in ast.walk(node))


def _rename_private_globals(tree: ast.Module, nodes: list, table: symtable.SymbolTable, fresh: _NameSupply) -> None:
    """Private module-level functions and constants get new names, where nothing could reach them by name
    (the caller checked that the module uses no name-reflecting builtin)."""
    strings = _strings(nodes)
    bound_elsewhere = {
        symbol.get_name()
        for scope in _all_tables(table)
        if scope is not table
        for symbol in scope.get_symbols()
        if symbol.is_local() or symbol.is_parameter() or symbol.is_nonlocal()
    }
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    mapping = {}
    for symbol in table.get_symbols():
        name = symbol.get_name()
        private = name.startswith("_") and not name.startswith("__")
        if (private and symbol.is_assigned() and not symbol.is_imported() and name not in bound_elsewhere
                and name not in classes and name not in strings):  # fmt: skip
            mapping[name] = fresh()
    _rename(nodes, mapping)


def _rename_locals(node: ast.FunctionDef | ast.AsyncFunctionDef, scope, fresh: _NameSupply) -> None:
    """A function's own variables (never its parameters) get new names: co_varnames and bytecode change.
    The caller checked that it holds no `match` and uses no name-reflecting builtin."""
    if scope is None:
        return
    nested: set[str] = set()
    pending: list[ast.AST] = list(node.body)
    while pending:  # down to the nested scopes, each of whose identifiers is taken whole
        child = pending.pop()
        if isinstance(child, SCOPES):
            nested |= _identifiers(ast.walk(child))
        else:
            pending.extend(ast.iter_child_nodes(child))
    mapping = {}
    for symbol in scope.get_symbols():
        name = symbol.get_name()
        if (symbol.is_local() and symbol.is_assigned() and not symbol.is_parameter() and not symbol.is_imported()
                and not symbol.is_namespace() and not symbol.is_global() and not symbol.is_nonlocal()
                and not name.startswith("__") and name not in nested):  # fmt: skip
            mapping[name] = fresh()
    if mapping:
        for statement in node.body:
            _rename(ast.walk(statement), mapping)


def _flip_comparisons(nodes, rng: random.Random) -> None:
    """`n < 0` may become `0 > n`: a name against a number, one operator (evaluation order cannot matter)."""
    for node in nodes:
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in MIRRORED):
            continue
        sides = (node.left, node.comparators[0])
        numbers = [isinstance(s, ast.Constant) and type(s.value) in (int, float) for s in sides]
        simple = all(n or isinstance(s, ast.Name) for n, s in zip(numbers, sides, strict=True))
        if any(numbers) and simple and rng.random() < 0.5:
            node.left, node.comparators = sides[1], [sides[0]]
            node.ops = [MIRRORED[type(node.ops[0])]()]


def _dead_store(fresh: _NameSupply, rng: random.Random) -> ast.Assign:
    pair = ast.Tuple([ast.Constant(rng.randrange(999)), ast.Constant(rng.random())], ast.Load())
    value = rng.choice([ast.Constant(rng.randrange(1 << 30)), ast.Constant(f"{rng.getrandbits(32):08x}"), pair])
    return ast.Assign(targets=[ast.Name(fresh(), ast.Store())], value=value, lineno=0)


def _preamble(body: list[ast.stmt]) -> int:
    """How many leading statements must stay first: the docstring and `from __future__` imports."""
    index = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        index = 1
    while index < len(body) and isinstance(body[index], ast.ImportFrom) and body[index].module == "__future__":
        index += 1
    return index


def _insert_dead_stores(
    tree: ast.Module, defs: list, dynamic: bool, reflective: bool, fresh: _NameSupply, rng: random.Random
) -> None:
    """Stores to fresh names that nothing reads: every function's bytecode, constants and locals change."""
    for node in defs:
        if dynamic and _uses_dynamic_names(ast.walk(node)):
            continue
        start = _preamble(node.body)
        for _ in range(rng.randint(1, 2)):
            node.body.insert(rng.randint(start, max(start, len(node.body) - 1)), _dead_store(fresh, rng))
    start = _preamble(tree.body)
    if not reflective:  # the module's names are not looked up by name
        for _ in range(rng.randint(0, 2)):
            tree.body.insert(rng.randint(start, len(tree.body)), _dead_store(fresh, rng))


def _reordered(body: list[ast.stmt], rng: random.Random) -> list[ast.stmt]:
    """Runs of consecutive plain `def`s in another order, when no def's defaults or annotations name another."""
    out: list[ast.stmt] = []
    run: list[ast.stmt] = []

    def flush() -> None:
        names = {d.name for d in run}
        referenced = {n.id for d in run for part in (d.args, d.returns) if part for n in ast.walk(part)
                      if isinstance(n, ast.Name)}  # fmt: skip
        if not names & referenced and len(names) == len(run):  # a name defined twice: the last one wins
            rng.shuffle(run)
        out.extend(run)
        run.clear()

    for statement in body:
        if isinstance(statement, FUNCTIONS) and not statement.decorator_list:
            run.append(statement)
            continue
        flush()
        out.append(statement)
    flush()
    return out


def _layout(tree: ast.Module, rng: random.Random) -> str:
    """The module as text (plain `def`s reordered), its top-level statements apart by random blank lines."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):  # methods too: the class's __dict__ order changes
            start = _preamble(node.body)
            node.body = node.body[:start] + _reordered(node.body[start:], rng)
    start = _preamble(tree.body)
    body = tree.body[:start] + _reordered(tree.body[start:], rng)
    parts = ["\n" * rng.randint(0, 3)]
    for statement in body:
        parts.append(ast.unparse(statement) + "\n" + "\n" * rng.randint(0, 2))
    return "".join(parts)
