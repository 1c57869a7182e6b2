"""The problem format instructors write: a directory with problem.toml, golden, wheats and mutants."""

from __future__ import annotations

import hashlib
import json
import keyword
import os
import stat
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DIFFICULTIES = ("Very Easy", "Easy", "Medium", "Hard")


class ProblemError(ValueError):
    """A problem directory that cannot be used, with a message naming the file and the fault."""


@dataclass(frozen=True)
class Variant:
    """One implementation of the problem's module: the golden, a wheat (correct) or a mutant (buggy)."""

    id: str
    kind: str  # golden | wheat | mutant
    path: Path
    weight: float = 1.0
    hint: str = ""

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def correct(self) -> bool:
        return self.kind != "mutant"


@dataclass(frozen=True)
class Problem:
    root: Path
    slug: str
    title: str
    difficulty: str
    module: str
    description: str
    function: str | None = None
    timeout_s: float = 5.0
    points: float = 10.0
    golden: Variant | None = None
    wheats: tuple[Variant, ...] = ()
    mutants: tuple[Variant, ...] = ()
    reference_tests: Path | None = None
    twins: int = 2  # rewrites of the golden graded as correct variants (rewrite.py)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def correct_variants(self) -> tuple[Variant, ...]:
        assert self.golden is not None
        return (self.golden, *self.wheats)

    @property
    def variants(self) -> tuple[Variant, ...]:
        return (*self.correct_variants, *self.mutants)


def problem_fingerprint(problem: Problem, sources: dict[Variant, str] | None = None) -> str:
    """sha256 of what a verdict depends on: slug, module, timeout, and each variant's kind, id, weight and source
    (the golden, the wheats, the mutants; `sources` when given, as read for grading, else read now). Equal for two
    copies of a problem that grade alike; hints and texts, which only the reader's own view shows, are left out."""
    sources = sources if sources is not None else {v: v.source for v in problem.variants}
    variants = [
        [v.kind, v.id, v.weight, hashlib.sha256(sources[v].encode("utf-8")).hexdigest()] for v in problem.variants
    ]
    facts = {"slug": problem.slug, "module": problem.module, "timeout_s": problem.timeout_s, "variants": variants}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _require(table: dict, key: str, kind: type, where: str):
    if key not in table:
        raise ProblemError(f"{where}: missing required key '{key}'")
    value = table[key]
    if not isinstance(value, kind):
        raise ProblemError(f"{where}: '{key}' must be a {kind.__name__}, not {type(value).__name__}")
    return value


def load_problem(path: str | Path) -> Problem:
    """Read and check a problem directory; raise ProblemError with a clear message if it is unusable."""
    root = Path(path)
    if not root.is_dir():
        raise ProblemError(f"{root}: not a problem directory")
    toml_path = root / "problem.toml"
    if not toml_path.is_file():
        raise ProblemError(f"{root}: missing problem.toml")
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProblemError(f"{toml_path}: not valid TOML: {exc}") from exc
    where = str(toml_path)
    slug = _require(meta, "slug", str, where)
    title = _require(meta, "title", str, where)
    difficulty = _require(meta, "difficulty", str, where)
    if difficulty not in DIFFICULTIES:
        raise ProblemError(f"{where}: difficulty must be one of {', '.join(DIFFICULTIES)}, not {difficulty!r}")
    module = _require(meta, "module", str, where)
    if not module.isidentifier() or keyword.iskeyword(module) or module.startswith("test"):
        raise ProblemError(f"{where}: module {module!r} must be a plain Python module name not starting with 'test'")
    if module in sys.stdlib_module_names or module in ("pytest", "_pytest", "pluggy", "iniconfig", "packaging"):
        # the runner imports these before any variant exists: the variant would never be loaded
        raise ProblemError(f"{where}: module {module!r} is the name of a standard or pytest module")
    description = _require(meta, "description", str, where)
    function = meta.get("function")
    if function is not None and not isinstance(function, str):
        raise ProblemError(f"{where}: 'function' must be a string")
    timeout_s = meta.get("timeout_s", 5)
    if not isinstance(timeout_s, int | float) or isinstance(timeout_s, bool) or not 0 < timeout_s <= 120:
        raise ProblemError(f"{where}: timeout_s must be a number of seconds in (0, 120]")
    twins = meta.get("twins", 2)
    if not isinstance(twins, int) or isinstance(twins, bool) or not 0 <= twins <= 8:
        raise ProblemError(f"{where}: twins must be a whole number from 0 to 8 (rewrites of the golden; default 2)")
    points = meta.get("points", 10)
    if not isinstance(points, int | float) or isinstance(points, bool) or points <= 0:
        raise ProblemError(f"{where}: points must be a positive number")

    golden_path = root / "golden.py"
    if not golden_path.is_file():
        raise ProblemError(f"{root}: missing golden.py")
    golden = Variant("golden", "golden", golden_path)
    wheats = tuple(Variant(p.stem, "wheat", p) for p in _python_files(root / "wheats"))

    listed = meta.get("mutants", [])
    if not isinstance(listed, list) or not all(isinstance(m, dict) for m in listed):
        raise ProblemError(f"{where}: 'mutants' must be an array of tables ([[mutants]])")
    specs: dict[Path, dict] = {}
    for i, entry in enumerate(listed):
        file = _require(entry, "file", str, f"{where}: [[mutants]] #{i + 1}")
        mpath = (root / file).resolve()
        if not mpath.is_relative_to(root.resolve()):
            raise ProblemError(f"{where}: mutant file {file!r} is outside the problem directory")
        if not mpath.is_file():
            raise ProblemError(f"{where}: listed mutant file {file!r} does not exist")
        weight = entry.get("weight", 1.0)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise ProblemError(f"{where}: mutant {file!r}: weight must be a positive number")
        hint = entry.get("hint", "")
        if not isinstance(hint, str):
            raise ProblemError(f"{where}: mutant {file!r}: hint must be a string")
        if mpath in specs:
            raise ProblemError(f"{where}: mutant {file!r} is listed twice")
        specs[mpath] = {"weight": float(weight), "hint": hint.strip()}
    files = {p.resolve() for p in _python_files(root / "mutants")} | set(specs)
    mutants = tuple(Variant(p.stem, "mutant", p, **specs.get(p, {"weight": 1.0, "hint": ""})) for p in sorted(files))
    stems = [m.id for m in mutants]
    if len(stems) != len(set(stems)):
        raise ProblemError(f"{root}: two mutant files share a name stem; mutant ids must be unique")
    if not mutants:
        raise ProblemError(f"{root}: a problem needs at least one mutant")
    for variant in (golden, *wheats, *mutants):
        try:
            compile(variant.source, str(variant.path), "exec")
        except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
            raise ProblemError(f"{variant.path}: does not compile: {exc}") from exc
        except OSError as exc:
            raise ProblemError(f"{variant.path}: cannot be read: {exc.strerror or exc}") from exc
    reference = root / "reference_tests.py"
    known = {"slug", "title", "difficulty", "module", "function", "description", "timeout_s", "points", "mutants",
             "twins"}  # fmt: skip
    return Problem(
        root=root,
        slug=slug,
        title=title,
        difficulty=difficulty,
        module=module,
        description=description.strip(),
        function=function,
        timeout_s=float(timeout_s),
        points=float(points),
        golden=golden,
        wheats=wheats,
        mutants=mutants,
        reference_tests=reference if reference.is_file() else None,
        twins=twins,
        extra={k: v for k, v in meta.items() if k not in known},
    )


def _python_files(directory: Path) -> list[Path]:
    """The variants a directory holds: its *.py files, without hidden ones (editors' lock and backup files)."""
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("."))


Stamp = tuple[tuple, ...]  # (path, size, mtime, ctime, inode), or (path,) for one that cannot be read


def problem_stamp(root: Path) -> Stamp | None:
    """Each file under root with its size, times and inode: any edit, addition or removal changes it.

    A few dozen stats against load_problem's reading and compiling every variant. Caches (__pycache__)
    and hidden directories (.ipynb_checkpoints...) are left out; None if root cannot be listed.
    """
    files: list = []
    seen: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            info = directory.stat()
            if (info.st_dev, info.st_ino) in seen:  # a symlink loop
                continue
            seen.add((info.st_dev, info.st_ino))
            entries = list(os.scandir(directory))
        except OSError:
            if directory == root:
                return None
            files.append((str(directory),))
            continue
        for entry in entries:
            try:
                info = entry.stat()
            except OSError:  # a dangling symlink, or removed since the listing
                files.append((entry.path,))
                continue
            if stat.S_ISDIR(info.st_mode):
                if not entry.name.startswith(".") and entry.name != "__pycache__":
                    pending.append(Path(entry.path))
            else:
                files.append((entry.path, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
    return tuple(sorted(files))


class ProblemCache:
    """load_problem, read again only when the directory changed on disk: an edited mutant is seen at once.

    Safe to share between threads (the check service's handlers and a worker's jobs): two threads
    missing at once both load, and either result is kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[Path, tuple[Stamp, Problem]] = {}

    def load(self, path: str | Path) -> Problem:
        """The problem at path, as load_problem reads it (ProblemError alike), from the cache if unchanged."""
        root = Path(path)
        stamp = problem_stamp(root)  # taken before reading: an edit made while loading is seen next time
        with self._lock:
            cached = self._loaded.get(root)
        if stamp is not None and cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            problem = load_problem(root)
        except Exception:  # ProblemError mostly: nothing kept, the next call reads the directory again
            self.forget(root)
            raise
        if stamp is not None:
            with self._lock:
                self._loaded[root] = (stamp, problem)
        return problem

    def forget(self, path: str | Path) -> None:
        with self._lock:
            self._loaded.pop(Path(path), None)
