"""Checks: for one kind of test, how to make a case's inputs, what torch says the answer is (plus what common
mistakes would give), and how to judge what the student's code returned. Judging only sees plain values.
"""

from __future__ import annotations

import dataclasses

from pathlib import Path

from . import activators, answers, conv, gradient_checking, pooling
from . import fully_connected, network
from . import batch_norm, conv_variants, receptive
from .base import PASS, Check, Tolerance, Verdict, compare_array

# One checks module per concept, each with its CHECKS; a new concept is one module here (and its drivers).
CONCEPTS = (activators, conv, pooling, gradient_checking, answers, fully_connected, network, conv_variants, batch_norm,
            receptive)


def _registry(modules) -> dict[str, Check]:
    """Every check of these modules by name; a name used twice is an error naming both modules."""
    found: dict[str, Check] = {}
    for module in modules:
        for check in module.CHECKS:
            if check.name in found:
                raise ValueError(f"check {check.name!r} is defined by {type(found[check.name]).__module__} and "
                                 f"{module.__name__}")
            found[check.name] = check
    return found


CHECKS: dict[str, Check] = _registry(CONCEPTS)


# The course's reference units, read from solutions/ when grading (instructor side only: never in a release).
REFERENCE_SOURCE = Path(__file__).resolve().parents[2] / "solutions" / "activators.py"


def _cases_and_settings(test) -> tuple[list, dict]:
    if isinstance(test, dict):
        return test["cases"], test.get("settings") or {}
    return list(test.cases), test.settings or {}


def _asks(tests, key: str) -> bool:
    """True when a case of these tests (TestSpecs or their dicts) has params[key] == 'reference'."""
    for test in tests:
        for case in _cases_and_settings(test)[0]:
            params = case.get("params", {}) if isinstance(case, dict) else case.params
            if params.get(key) == "reference":
                return True
    return False


def needs_reference(tests) -> bool:
    """True when a case of these tests runs with the course's activators, or (a network) with its layers."""
    return _asks(tests, "activator_source") or _asks(tests, "layers_source")


# The files of the course's layers, for a network test that runs the student's network on them (layers_source).
REFERENCE_LAYERS = ("activators.py", "conv.py", "pooling.py", "fully_connected.py")


def reference_sources(tests, solutions: Path = REFERENCE_SOURCE.parent) -> list[Path]:
    """The solutions files a test's reference units come from: the activators, or every layer for a network."""
    return [solutions / name for name in (REFERENCE_LAYERS if _asks(tests, "layers_source") else ("activators.py",))]


def reference_setup(source: Path | list[Path] = REFERENCE_SOURCE) -> dict:
    """{'reference_code': the course's units} read from `source` (one file or several, their `from solutions`
    imports left out: they are all in the one code), or {} where a file is missing."""
    sources = [source] if isinstance(source, Path) else list(source)
    if not all(path.is_file() for path in sources):
        return {}
    if len(sources) == 1:
        return {"reference_code": sources[0].read_text(encoding="utf-8")}
    code = "\n\n".join("\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                                  if not line.startswith("from solutions")) for path in sources)
    return {"reference_code": code}


def driver_setup(tests) -> dict:
    """The course's reference activators when a test needs them, else {} (drivers.run_driver uses them).

    A hidden test carries them in its settings (added when the master is loaded, so the otter zip and the
    nbgrader source have them; the student release never holds a hidden test); otherwise they are read from
    solutions/. They travel with that test's requests only (with_reference_units)."""
    if not needs_reference(tests):
        return {}
    for test in tests:
        carried = _cases_and_settings(test)[1].get("driver_setup")
        if carried:
            return carried
    return reference_setup(reference_sources(tests))


def with_reference_units(tests) -> list:
    """The tests, each one whose cases ask for the course's reference units carrying them in its settings (a master
    loaded at grading time adds them already); student code gets them only during that test's driver calls."""
    out = []
    for test in tests:
        setup = driver_setup([test])
        if setup and not test.settings.get("driver_setup"):
            test = dataclasses.replace(test, settings={**test.settings, "driver_setup": setup})
        out.append(test)
    return out


def get_check(name: str) -> Check:
    try:
        return CHECKS[name]
    except KeyError:
        raise KeyError(f"unknown check {name!r}; known: {', '.join(sorted(CHECKS))}") from None


__all__ = ["CHECKS", "PASS", "Check", "Tolerance", "Verdict", "compare_array", "driver_setup", "get_check", "with_reference_units"]
