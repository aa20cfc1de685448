"""What ships: the package files an entry module imports, followed import by import, so no list of modules is kept.

Two runtimes are shipped this way, each named only by its entry module:
- the student runtime (STUDENT_ENTRY): test files and check cells call only `autograder.notebook`; whatever it
  needs (directly, or lazily inside a function) ships in every release, and nothing else (the release tooling,
  the engines and the CLI stay home);
- the sandbox's child runtime (sandbox/engine.py): what the child's entry module imports.
Relative imports (`from .x import y`) and absolute ones (`from autograder.x import y`, `import autograder.x`) are
both followed; a module's packages ship with it (their `__init__.py`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..config import PACKAGE_DIR

PACKAGE = PACKAGE_DIR.name  # "autograder": absolute imports of the package start with it
STUDENT_ENTRY = "notebook.py"


def _module_file(parts: tuple[str, ...]) -> Path | None:
    path = PACKAGE_DIR.joinpath(*parts)
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None


def _targets(node: ast.AST, package: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Module paths (inside the package) that one import statement may name; empty for other statements."""
    if isinstance(node, ast.Import):
        return [tuple(a.name.split("."))[1:] for a in node.names if a.name.split(".")[0] == PACKAGE]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = package[:len(package) - node.level + 1]
        module = base + (tuple(node.module.split(".")) if node.module else ())
    elif (node.module or "").split(".")[0] == PACKAGE:
        module = tuple(node.module.split("."))[1:]
    else:
        return []
    return [module] + [module + (a.name,) for a in node.names]


def _imported(path: Path) -> list[Path]:
    """Package files a module imports (modules, packages and the __init__ files of the packages above them)."""
    package = path.relative_to(PACKAGE_DIR).parent.parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        for target in filter(None, map(_module_file, _targets(node, package))):
            found.append(target)
            found += [folder / "__init__.py" for folder in target.parents if PACKAGE_DIR in folder.parents]
    return found


def shipped_files(entry: str) -> list[str]:
    """Paths, relative to the package, of an entry module, its packages and everything they import."""
    first = PACKAGE_DIR / entry
    seen: set[Path] = set()
    todo = [first, PACKAGE_DIR / "__init__.py"]
    todo += [folder / "__init__.py" for folder in first.parents if PACKAGE_DIR in folder.parents]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += _imported(path)
    return sorted(str(p.relative_to(PACKAGE_DIR)) for p in seen)


def runtime_files() -> list[str]:
    """Paths, relative to the package, of every module a student release needs."""
    return shipped_files(STUDENT_ENTRY)
