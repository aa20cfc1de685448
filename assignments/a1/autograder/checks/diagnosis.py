"""Naming a mistake only when the student's array is exactly what that mistake produces on the case.

A mistake may have several variants (the ways real code makes it); each variant is an array of the shape the
student's code would return. Variants equal to the right result cannot tell anything and are ignored; when the
student's array matches the variants of several mistakes, none is named alone (base.failure lists them).
"""

from __future__ import annotations

import numpy as np

from ..numerics import allclose, difference
from ..student import Returned
from .base import Tolerance, Verdict, compare_array, failure, shape_text


def variants(alternative) -> list[np.ndarray]:
    """One alternative (an array, or a list of arrays for a mistake made in several ways) as a list of arrays."""
    items = alternative if isinstance(alternative, (list, tuple)) else [alternative]
    return [np.asarray(item, dtype=np.float64) for item in items if item is not None]


def same(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> bool:
    return a.shape == b.shape and allclose(a, b, tol.rtol, tol.atol)


def matching_mistakes(actual: np.ndarray, expected: np.ndarray, alternatives: dict, tol: Tolerance) -> list[str]:
    """Every mistake one of whose variants (different from the right result here) the student's array matches."""
    expected = np.asarray(expected, dtype=np.float64)
    return [name for name, alternative in (alternatives or {}).items()
            if any(same(actual, v, tol) and not same(v, expected, tol) for v in variants(alternative))]


def mismatch_message(label: str, actual: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str:
    if actual.shape != expected.shape:
        return f"{label} has shape {shape_text(actual.shape)}, expected {shape_text(expected.shape)}."
    return f"{label} differs from the expected values: {difference(actual, expected, tol.rtol, tol.atol).describe()}."


def judge_array(label: str, returned: Returned, expected, tol: Tolerance, alternatives: dict | None = None,
                require_float64: bool = True) -> Verdict:
    """compare_array, with mistakes named only by an exact match of one of their variants."""
    expected = np.asarray(expected, dtype=np.float64)
    verdict = compare_array(label, returned, expected, tol, require_float64=require_float64)
    if verdict.passed:
        return verdict
    names = matching_mistakes(returned.array, expected, alternatives or {}, tol)
    if not names:
        return verdict
    return failure(mismatch_message(label, returned.array, expected, tol), names)
