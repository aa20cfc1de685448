"""Comparing arrays the way the course defines it, and describing the difference for a student."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REL_ERROR_FLOOR = 1e-8


def relative_error(a, b) -> float:
    """max over elements of |a - b| / max(1e-8, |a| + |b|); 0.0 for empty arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(REL_ERROR_FLOOR, np.abs(a) + np.abs(b))))


def allclose(actual, expected, rtol: float, atol: float) -> bool:
    """|actual - expected| <= atol + rtol * |expected| everywhere (shapes must already agree)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    return bool(np.all(np.abs(actual - expected) <= atol + rtol * np.abs(expected)))


@dataclass(frozen=True)
class Difference:
    """How two same-shaped arrays differ: error sizes and the first element (row-major) out of tolerance."""

    max_abs_error: float
    max_rel_error: float
    index: tuple[int, ...]
    expected: float
    actual: float

    def describe(self) -> str:
        where = f" at index {self.index}" if self.index else ""
        return (f"max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}; "
                f"first difference{where}: expected {self.expected:.6g}, got {self.actual:.6g}")


def difference(actual, expected, rtol: float, atol: float) -> Difference | None:
    """None when actual matches expected within tolerance, else a Difference."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    bad = ~(np.abs(actual - expected) <= atol + rtol * np.abs(expected))  # NaN counts as bad
    if not bad.any():
        return None
    flat = int(np.flatnonzero(bad.ravel())[0])
    index = tuple(int(i) for i in np.unravel_index(flat, bad.shape)) if bad.ndim else ()
    with np.errstate(invalid="ignore"):
        abs_err = np.abs(actual - expected)
        max_abs = float(np.nanmax(abs_err)) if np.isfinite(abs_err).any() else float("inf")
    return Difference(
        max_abs_error=max_abs if not np.isnan(abs_err).any() else float("nan"),
        max_rel_error=relative_error(actual, expected),
        index=index,
        expected=float(expected.ravel()[flat]),
        actual=float(actual.ravel()[flat]),
    )
