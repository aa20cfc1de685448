"""Comparing a fresh release with the committed one: structure and text exactly, numbers within tolerance.

torch's CPU kernels differ in the last digits from machine to machine (vector width, thread count), so the
expected values stored in public test data (`tests/<question>.json`) are compared within the course's tolerance
(`grading.rtol`, `grading.atol` of course.yml); everything else (notebooks, test files, keys, shapes, strings,
integers) must be identical.
"""

from __future__ import annotations

import filecmp
import json
import math
from dataclasses import dataclass
from pathlib import Path

IGNORED = ["__pycache__", ".ipynb_checkpoints"]


@dataclass(frozen=True)
class NumberTolerance:
    """|fresh - committed| <= atol + rtol * |committed|, as the checks compare results."""

    rtol: float
    atol: float

    @classmethod
    def of(cls, course) -> "NumberTolerance":
        return cls(rtol=course.grading.rtol, atol=course.grading.atol)

    def close(self, fresh: float, committed: float) -> bool:
        """Within tolerance; NaN matches only NaN and an infinity only the same infinity."""
        if not (math.isfinite(fresh) and math.isfinite(committed)):
            return fresh == committed or (math.isnan(fresh) and math.isnan(committed))
        return abs(fresh - committed) <= self.atol + self.rtol * abs(committed)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def value_differences(fresh, committed, tol: NumberTolerance, where: str = "") -> list[str]:
    """Where two parsed JSON values differ: floats beyond tolerance, anything else at all."""
    if isinstance(fresh, dict) and isinstance(committed, dict):
        if list(fresh) != list(committed):
            return [f"{where or '(top)'}: keys {list(fresh)} (fresh) vs {list(committed)} (committed)"]
        return [d for key in fresh for d in value_differences(fresh[key], committed[key], tol, f"{where}.{key}")]
    if isinstance(fresh, list) and isinstance(committed, list):
        if len(fresh) != len(committed):
            return [f"{where}: {len(fresh)} items (fresh) vs {len(committed)} (committed)"]
        return [d for i, (a, b) in enumerate(zip(fresh, committed))
                for d in value_differences(a, b, tol, f"{where}[{i}]")]
    if isinstance(fresh, float) or isinstance(committed, float):
        if _is_number(fresh) and _is_number(committed) and tol.close(float(fresh), float(committed)):
            return []
    elif type(fresh) is type(committed) and fresh == committed:
        return []
    return [f"{where}: {fresh!r} (fresh) vs {committed!r} (committed)"]


def file_differences(fresh: Path, committed: Path, tol: NumberTolerance) -> list[str]:
    """What differs between two files: JSON data by value (numbers within tolerance), other files byte for byte."""
    if fresh.suffix == ".json":
        try:
            a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (fresh, committed))
        except (ValueError, UnicodeDecodeError) as exc:
            return [f"not readable JSON ({exc})"]
        return value_differences(a, b, tol)
    return [] if filecmp.cmp(fresh, committed, shallow=False) else ["content differs"]


def tree_differences(fresh: Path, committed: Path, tol: NumberTolerance, prefix: str = "") -> list[str]:
    """'relative/path: what differs' for every difference between two release folders (empty when equal)."""
    comparison = filecmp.dircmp(fresh, committed, ignore=IGNORED)
    found = [f"{prefix}{n}: only in the fresh release" for n in comparison.left_only]
    found += [f"{prefix}{n}: only in the committed release" for n in comparison.right_only]
    found += [f"{prefix}{n}: a file on one side, a folder on the other" for n in comparison.common_funny]
    for name in comparison.common_files:
        differences = file_differences(fresh / name, committed / name, tol)
        if differences:
            more = f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
            found.append(f"{prefix}{name}: {differences[0]}{more}")
    for sub in comparison.common_dirs:
        found += tree_differences(fresh / sub, committed / sub, tol, f"{prefix}{sub}/")
    return sorted(found)
