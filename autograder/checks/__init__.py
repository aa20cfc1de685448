"""Checks: for one kind of test, how to make a case's inputs, what torch says the answer is (plus what common
mistakes would give), and how to judge what the student's code returned. Judging only sees plain values.
"""

from __future__ import annotations

from pathlib import Path

from .base import PASS, Check, Tolerance, Verdict, compare_array
from .backprop import BACKPROP_CHECKS
from .forward import FORWARD_CHECKS
from .pooling import POOLING_CHECKS

CHECKS: dict[str, Check] = {c.name: c for c in FORWARD_CHECKS + BACKPROP_CHECKS + POOLING_CHECKS}


# The course's reference units, read from solutions/ when grading (instructor side only: never in a release).
REFERENCE_SOURCE = Path(__file__).resolve().parents[2] / "solutions" / "activators.py"


def needs_reference(tests) -> bool:
    """True when a case of these tests (TestSpecs or their dicts) runs the layer with the course's activators."""
    for test in tests:
        cases = test["cases"] if isinstance(test, dict) else test.cases
        for case in cases:
            params = case.get("params", {}) if isinstance(case, dict) else case.params
            if params.get("activator_source") == "reference":
                return True
    return False


def driver_setup(tests) -> dict:
    """Parent side of drivers.prepare: {'reference_code': the course's activators} when a test needs them, else {}.

    The sandbox sends it in its setup message; in-process engines pass it to drivers.prepare themselves. Where
    solutions/ is absent (a student's copy of the library), the drivers fall back to the student's activators."""
    if not needs_reference(tests) or not REFERENCE_SOURCE.is_file():
        return {}
    return {"reference_code": REFERENCE_SOURCE.read_text(encoding="utf-8")}


def get_check(name: str) -> Check:
    try:
        return CHECKS[name]
    except KeyError:
        raise KeyError(f"unknown check {name!r}; known: {', '.join(sorted(CHECKS))}") from None


__all__ = ["CHECKS", "PASS", "Check", "Tolerance", "Verdict", "compare_array", "driver_setup", "get_check"]
