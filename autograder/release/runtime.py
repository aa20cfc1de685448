"""What ships with a release: the modules that the notebook entry point (autograder/notebook.py) imports, followed
import by import through the package, so no list of modules is kept by hand.

Test files and check cells call only `autograder.notebook`; whatever it needs (directly, or lazily inside a function)
ships, and nothing else (the release tooling, the engines and the CLI stay home).
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..config import PACKAGE_DIR

ENTRY_POINTS = ("__init__.py", "notebook.py")


def _module_file(parts: tuple[str, ...]) -> Path | None:
    path = PACKAGE_DIR.joinpath(*parts)
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None


def _imported(path: Path) -> list[Path]:
    """Package files a module imports with relative imports (modules, packages and their __init__ files)."""
    package = path.relative_to(PACKAGE_DIR).parent.parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.level):
            continue
        base = package[:len(package) - node.level + 1]
        module = tuple(node.module.split(".")) if node.module else ()
        targets = [_module_file(base + module)] + [_module_file(base + module + (a.name,)) for a in node.names]
        for target in filter(None, targets):
            found.append(target)
            found += [folder / "__init__.py" for folder in target.parents if PACKAGE_DIR in folder.parents]
    return found


def runtime_files() -> list[str]:
    """Paths, relative to the package, of every module a release needs."""
    seen: set[Path] = set()
    todo = [PACKAGE_DIR / name for name in ENTRY_POINTS]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += _imported(path)
    return sorted(str(p.relative_to(PACKAGE_DIR)) for p in seen)
