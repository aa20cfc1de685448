"""Checks: for one kind of test, how to make a case's inputs, what torch says the answer is (plus what common
mistakes would give), and how to judge what the student's code returned. Judging only sees plain values.
"""

from __future__ import annotations

from .base import PASS, Check, Tolerance, Verdict, compare_array
from .backprop import BACKPROP_CHECKS
from .forward import FORWARD_CHECKS
from .pooling import POOLING_CHECKS

CHECKS: dict[str, Check] = {c.name: c for c in FORWARD_CHECKS + BACKPROP_CHECKS + POOLING_CHECKS}


def get_check(name: str) -> Check:
    try:
        return CHECKS[name]
    except KeyError:
        raise KeyError(f"unknown check {name!r}; known: {', '.join(sorted(CHECKS))}") from None


__all__ = ["CHECKS", "PASS", "Check", "Tolerance", "Verdict", "compare_array", "get_check"]
