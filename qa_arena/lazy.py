"""Names a package exports but imports only on first use, so `qa-arena` starts fast.

`qa-arena` imports every command's package on each start; a package whose submodules pull in a
slow dependency (the ``openai`` SDK, SQLAlchemy...) exports them through ``lazy_exports`` instead.
Only ``importlib`` is imported here: this module must stay cheap.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(module_name: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package whose names live in its submodules.

    ``exports`` maps each name to the relative module defining it, e.g. ``{"Store": ".store"}``;
    ``__all__ = sorted(exports)`` keeps ``from package import *`` and the docs listing them.
    """
    exports = dict(exports)

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name], module_name), name)

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[module_name]), *exports})

    return __getattr__, __dir__
