"""What every check shares: verdicts, tolerances, comparing arrays and naming mistakes by alternative results."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cases import decode
from ..mistakes import LIKELY, advice, short_name
from ..numerics import allclose, difference
from ..student import Returned, StudentError, as_array


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str = ""
    mistake: str | None = None
    credit: float = 0.0   # the share of the test's points a failed case still earns (0 <= credit < 1)

    @classmethod
    def fail(cls, message: str, mistake: str | None = None) -> "Verdict":
        return cls(False, message + advice(mistake), mistake)

    @classmethod
    def partial(cls, message: str, credit: float) -> "Verdict":
        """A failed case that still earns a share of its points (e.g. an accuracy between two thresholds)."""
        credit = min(max(float(credit), 0.0), 1.0)
        return cls(False, f"{message} Partial credit: {credit:.0%} of this test's points.", None, credit)


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


def nonzero(rng: np.random.Generator, shape, low: float = 0.1, high: float = 2.0) -> np.ndarray:
    """Random values bounded away from 0, so ReLU's kink never decides a test by accident."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


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
        names = [name for name, alt in alternatives.items()
                 if alt.shape == actual.shape and allclose(actual, alt, tol.rtol, tol.atol)]
        if not names and _swapped_block(actual, expected, tol):
            names = ["width_height_swapped"]
        return failure(f"{label} has shape {shape_text(actual.shape)}, expected {shape_text(expected.shape)}.", names)
    diff = difference(actual, expected, tol.rtol, tol.atol)
    if diff is None:
        if require_float64 and returned.dtype == "float32":
            return Verdict.fail(f"{label} has dtype float32.", "float32_output")
        return PASS
    names = matching_alternatives(actual, expected.shape, alternatives, tol)
    if not names and _truncated(returned, expected, tol):
        names = ["integer_output"]
    return failure(f"{label} differs from the expected values: {diff.describe()}.", names)


def activator_probe_reference(torch_ref, activator: str, method: str, probe) -> np.ndarray:
    """What the course's activator gives on the probe numbers (probes.ACTIVATOR_PROBE), computed with torch."""
    t = torch_ref.tensor(probe)
    if activator == "ReluActivator":
        return torch_ref.numpy(torch_ref.torch.relu(t) if method == "forward" else (t > 0).double())
    return torch_ref.numpy(t if method == "forward" else torch_ref.torch.ones_like(t))


def upstream_cause(verdict: Verdict, outputs: dict, refs: dict, key: str, unit: str) -> Verdict:
    """A failed verdict of a case that ran the student's own activator (outputs['<key>_probe']): when that
    activator is wrong, blame it, not the layer, and name no layer mistake. Otherwise the verdict as it is."""
    if verdict.passed or f"{key}_probe" not in outputs or f"{key}_probe" not in refs:
        return verdict
    probe = outputs[f"{key}_probe"]
    try:
        if probe is not None and allclose(as_array(probe, unit).array, refs[f"{key}_probe"], 1e-12, 1e-12):
            return verdict
    except StudentError:
        pass
    plain = verdict.message.split(LIKELY, 1)[0]
    return Verdict.fail(f"{plain} This test runs your layer with your {unit}, and your {unit} is wrong (see "
                        f"question activators): fix it first, the cause may be there.")


def failure(message: str, names: list[str]) -> Verdict:
    """A failed verdict naming the one mistake whose result the student's matches; when several mistakes give that
    same result here, none is named alone: the message lists them all as possible."""
    if len(names) == 1:
        return Verdict.fail(message, names[0])
    if names:
        return Verdict.fail(message + " Several mistakes give exactly this result here, so it could be any of: "
                            + "; ".join(short_name(n) for n in names) + ".")
    return Verdict.fail(message)


def _swapped_block(actual: np.ndarray, expected: np.ndarray, tol: "Tolerance") -> bool:
    """Height and width swapped: a (K, W_out, H_out) array whose block inside the right output is right."""
    k, h, w = expected.shape if expected.ndim == 3 else (0, 0, 0)
    if actual.ndim != 3 or h == w or actual.shape != (k, w, h):
        return False
    m = min(h, w)
    return m > 0 and allclose(actual[:, :m, :m], expected[:, :m, :m], tol.rtol, tol.atol)


def _truncated(returned: Returned, expected: np.ndarray, tol: Tolerance) -> bool:
    """An integer array that holds exactly the expected values truncated toward zero (written into np.zeros(..., int)).

    A number still at its initial 0 is another mistake: checks test for it before comparing."""
    return returned.dtype.startswith(("int", "uint")) and allclose(returned.array, np.trunc(expected), tol.rtol, tol.atol)


_UNSET = object()


def result_of(outputs: dict, returned_key: str, attribute: str, method: str, owner: str) -> Returned:
    """What a method produced: its return value when not None, else self.<attribute> (the seed course's style).

    Shared by every check of a method that both may return and may store its result (ConvLayer.forward and
    bp_sensitivity_map, the pooling layers' forward and backward): use it with stored_too, never as_array alone.
    A driver may send the attribute's value from before the call as outputs['<attribute>_before'].
    """
    returned, stored = outputs.get(returned_key), outputs.get(attribute)
    if returned is not None:
        return as_array(returned, method)
    if stored is None:
        raise StudentError(f"{method} returned None and did not set self.{attribute}: store the result in "
                           f"self.{attribute} or return it (see the docstring)")
    if _unchanged(outputs, attribute):
        raise StudentError(f"{method} returned None and left self.{attribute} as it was before the call: store the "
                           f"result in self.{attribute} or return it (see the docstring)")
    return as_array(stored, f"{owner}.{attribute}")


def _unchanged(outputs: dict, attribute: str) -> bool:
    """True when the driver saw self.<attribute> before the call and the method left it as it was."""
    before = outputs.get(f"{attribute}_before", _UNSET)
    if before is _UNSET or before is None:
        return False
    try:
        a, b = np.asarray(before, dtype=np.float64), np.asarray(outputs.get(attribute), dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.array_equal(a, b))


def stored_too(outputs: dict, attribute: str, returned: Returned, method: str, owner: str) -> Verdict:
    """When a method both returns its result and writes self.<attribute>, the two must agree.

    Not writing the attribute at all (or leaving it as it was) is accepted here: a later method of the course
    that reads the attribute names it in its own test."""
    if outputs.get(attribute) is None or _unchanged(outputs, attribute):
        return PASS
    stored = as_array(outputs.get(attribute), f"{owner}.{attribute}")
    if stored.array.shape != returned.array.shape or not np.array_equal(stored.array, returned.array):
        return Verdict.fail(f"{method} returned the right array but self.{attribute} holds something else: store "
                            f"the same result in self.{attribute} (or store it and return nothing).")
    return PASS


def matching_alternatives(actual, shape, alternatives, tol) -> list[str]:
    """Every mistake whose result (the alternative array) the student's output matches within tolerance."""
    return [name for name, alt in alternatives.items() if _matches(actual, shape, np.asarray(alt, np.float64), tol)]


def _matches(actual, shape, alt, tol) -> bool:
    if alt.shape == shape:
        return allclose(actual, alt, tol.rtol, tol.atol)
    if alt.ndim != len(shape):
        return False
    # stride ignored with the right output size: the result is the top-left block of the stride-1 output
    if all(a >= s for a, s in zip(alt.shape, shape)):
        return allclose(actual, alt[tuple(slice(0, s) for s in shape)], tol.rtol, tol.atol)
    # padding ignored with the right output size: where the windows fit, the result is the unpadded output
    if all(a <= s for a, s in zip(alt.shape, shape)) and alt.size > 0:
        return allclose(actual[tuple(slice(0, a) for a in alt.shape)], alt, tol.rtol, tol.atol)
    return False


class Check:
    """Base class: subclasses set name/driver and implement generate, references and judge."""

    name: str = ""
    driver: str = ""
    random_inputs = True  # cases need a seed (or literal inputs)
    uses_fd_step = False  # its cases take the finite-difference step h from course.yml (params.fd_step)
    uses_training = False  # its cases take train()'s epochs and learning_rate from course.yml (assignment's training)

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
