"""The design holds (fast tier): every engine offers the one interface batch grading calls, and dependencies run
one way (the import-linter contract in .importlinter)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.belonging import AssignmentGuard, GuardedEngine
from autograder.sandbox.distributed import DaskEngine
from autograder.grading.engine import Engine
from autograder.grading.otter_engine import OtterRunEngine
from autograder.sandbox.engine import SandboxEngine

from .conftest import REPO_ROOT

MEMBERS = ("name", "isolation", "prepare", "grade", "close")


def test_the_interface_is_what_batch_grading_calls():
    assert {m for m in vars(Engine) if not m.startswith("_")} == set(MEMBERS)


@pytest.mark.parametrize("engine_class", [SandboxEngine, OtterRunEngine, DaskEngine, GuardedEngine])
def test_every_engine_class_offers_the_interface(engine_class):
    missing = [m for m in MEMBERS if not hasattr(engine_class, m)]
    assert not missing, f"{engine_class.__name__} lacks {missing}"
    for method in ("prepare", "grade", "close"):
        assert callable(getattr(engine_class, method))


def test_engines_built_as_grading_builds_them_are_engines():
    sandbox = SandboxEngine([], {}, sandbox=False)  # the real engine, without bubblewrap: nothing runs here
    try:
        otter = OtterRunEngine(Path("autograder.zip"), [], timeout_s=1)
        for engine in (sandbox, otter, GuardedEngine(otter, AssignmentGuard("a1", {}))):
            assert isinstance(engine, Engine)
    finally:
        sandbox.close()
    assert not isinstance(object(), Engine)


def test_dependencies_run_one_way():
    """The layers in .importlinter hold (lint-imports, as CI runs it); its output names any import that breaks them."""
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _table_entries(text: str) -> set[str]:
    """The module paths named in ARCHITECTURE.md's table of modules (its rows' first column)."""
    return {line.split("`")[1] for line in text.splitlines() if line.startswith("| `autograder/")}


def test_architecture_md_names_every_module_and_only_modules_that_exist():
    text = (REPO_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = _table_entries(text)
    package = REPO_ROOT / "autograder"
    modules = {f"{p.relative_to(REPO_ROOT).as_posix()}" for p in package.rglob("*.py")
               if p.name != "__init__.py" or p.parent == package}
    packages = {f"{p.parent.relative_to(REPO_ROOT).as_posix()}/" for p in package.rglob("*/__init__.py")}
    assert sorted((modules | packages) - named) == [], "add these to ARCHITECTURE.md's table of modules"
    assert sorted(named - modules - packages) == [], "ARCHITECTURE.md names modules that no longer exist"


def test_architecture_md_shows_the_layers_the_contract_enforces():
    text = (REPO_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    contract = (REPO_ROOT / ".importlinter").read_text(encoding="utf-8").split("layers =\n", 1)[1]
    layers = [line for line in contract.splitlines() if line.startswith("    autograder.")]
    assert layers and "\n".join(layers) in text


def _marks_drivers(path: Path) -> bool:
    """True when a module defines a function decorated with @driver."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and any(isinstance(d, ast.Name) and d.id == "driver"
                                                         for d in node.decorator_list) for node in ast.walk(tree))


def test_every_checks_and_drivers_module_is_registered():
    """Registration is explicit (checks.CONCEPTS, the imports of drivers/__init__.py): a module left out of it would
    be silently unused, and a check whose driver is not registered could never run."""
    from autograder import checks, drivers

    for info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"autograder.checks.{info.name}")
        if hasattr(module, "CHECKS"):
            assert module in checks.CONCEPTS, f"add {info.name} to CONCEPTS in autograder/checks/__init__.py"
    registered = {f.__module__ for f in drivers.DRIVERS.values()}
    for info in pkgutil.iter_modules(drivers.__path__):
        if _marks_drivers(Path(drivers.__path__[0]) / f"{info.name}.py"):
            assert f"autograder.drivers.{info.name}" in registered, \
                f"import {info.name} in autograder/drivers/__init__.py"
    missing = sorted(f"{name} (driver {c.driver})" for name, c in checks.CHECKS.items()
                     if c.driver not in drivers.DRIVERS)
    assert missing == [], "checks whose driver is not registered"
