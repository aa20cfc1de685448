"""What every check shares: verdicts, tolerances, comparing arrays and naming mistakes by alternative results."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cases import decode
from ..mistakes import advice
from ..numerics import allclose, difference
from ..student import Returned, as_array


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str = ""
    mistake: str | None = None

    @classmethod
    def fail(cls, message: str, mistake: str | None = None) -> "Verdict":
        return cls(False, message + advice(mistake), mistake)


PASS = Verdict(True)


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float
    fd: float = 1e-6  # largest relative error allowed against finite differences

    @classmethod
    def from_settings(cls, settings: dict) -> "Tolerance":
        return cls(rtol=float(settings.get("rtol", 1e-6)), atol=float(settings.get("atol", 1e-9)),
                   fd=float(settings.get("fd_tolerance", 1e-6)))


def combined(values: list[Returned]) -> Returned:
    """Per-filter values (all the same shape) as one array, keeping the first one's dtype for diagnosis."""
    return Returned(array=np.stack([v.array for v in values]), dtype=values[0].dtype, kind="array")


def shape_text(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def compare_array(label: str, returned: Returned, expected: np.ndarray, tol: Tolerance,
                  alternatives: dict | None = None, require_float64: bool = True) -> Verdict:
    """Judge one returned array against the reference; name a mistake when it matches a known wrong result."""
    actual, expected = returned.array, np.asarray(expected, dtype=np.float64)
    alternatives = {name: np.asarray(alt, dtype=np.float64) for name, alt in (alternatives or {}).items()}
    if not np.all(np.isfinite(actual)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(actual))[0]) if actual.ndim else ()
        kind = "NaN" if np.isnan(actual).any() else "inf"
        return Verdict.fail(f"{label} contains {kind} (first at index {bad}).")
    if actual.shape != expected.shape:
        mistake = next((name for name, alt in alternatives.items() if alt.shape == actual.shape), None)
        if mistake is None and actual.ndim == 3 and actual.shape == (expected.shape[0], *expected.shape[:0:-1]):
            mistake = "width_height_swapped"
        return Verdict.fail(f"{label} has shape {shape_text(actual.shape)}, expected {shape_text(expected.shape)}.", mistake)
    diff = difference(actual, expected, tol.rtol, tol.atol)
    if diff is None:
        if require_float64 and returned.dtype == "float32":
            return Verdict.fail(f"{label} has dtype float32.", "float32_output")
        return PASS
    mistake = _matching_alternative(actual, expected.shape, alternatives, tol)
    if mistake is None and returned.dtype.startswith(("int", "uint")):
        mistake = "integer_output"
    return Verdict.fail(f"{label} differs from the expected values: {diff.describe()}.", mistake)


def update_mistakes(value, gradient, learning_rate, unchanged: str) -> dict:
    """What common gradient-descent mistakes would leave in a parameter (value - learning_rate * gradient is right)."""
    value, gradient = np.asarray(value, dtype=np.float64), np.asarray(gradient, dtype=np.float64)
    return {"update_sign": np.asarray(value + learning_rate * gradient),
            "learning_rate_ignored": np.asarray(value - gradient), unchanged: value}


def stored_too(outputs: dict, attribute: str, returned: Returned, method: str, owner: str) -> Verdict:
    """A method that returns its result must also keep it in self.<attribute> (the next layer reads it there)."""
    stored = as_array(outputs.get(attribute), f"{owner}.{attribute}")
    if stored.array.shape != returned.array.shape or not np.array_equal(stored.array, returned.array):
        return Verdict.fail(f"{method} returned the right array but self.{attribute} holds something else: store "
                            f"the result in self.{attribute} as well.")
    return PASS


def _matching_alternative(actual, shape, alternatives, tol) -> str | None:
    for name, alt in alternatives.items():
        if alt.shape == shape and allclose(actual, alt, tol.rtol, tol.atol):
            return name
        if alt.ndim != len(shape) or alt.shape == shape:
            continue
        # stride ignored with the right output size: the result is the top-left block of the stride-1 output
        if all(a >= s for a, s in zip(alt.shape, shape)):
            if allclose(actual, alt[tuple(slice(0, s) for s in shape)], tol.rtol, tol.atol):
                return name
        # padding ignored with the right output size: where the windows fit, the result is the unpadded output
        elif all(a <= s for a, s in zip(alt.shape, shape)) and alt.size > 0:
            if allclose(actual[tuple(slice(0, a) for a in alt.shape)], alt, tol.rtol, tol.atol):
                return name
    return None


class Check:
    """Base class: subclasses set name/driver and implement generate, references and judge."""

    name: str = ""
    driver: str = ""
    random_inputs = True  # cases need a seed (or literal inputs)

    def inputs(self, case) -> dict:
        if case.inputs is not None:
            return decode(case.inputs)
        return self.generate(case.params, np.random.default_rng(case.seed))

    def generate(self, params: dict, rng: np.random.Generator) -> dict:
        return {}

    def references(self, params: dict, inputs: dict, torch_ref) -> dict:
        raise NotImplementedError

    def judge(self, params: dict, inputs: dict, outputs: dict, refs: dict, tol: Tolerance) -> Verdict:
        raise NotImplementedError

    def describe(self, params: dict) -> str:
        return ", ".join(f"{k}={v}" for k, v in params.items())

    def explain(self, params: dict, error: str) -> Verdict:
        """The verdict when the student's code raised (error is the StudentError text); subclasses add advice.

        A float used as an array size fails the same way in every layer, so it is recognised here."""
        if "cannot be interpreted as an integer" in error:
            return Verdict.fail(error, "float_size")
        return Verdict.fail(error)
