"""Gradient checking, grader side: the one place where finite differences are taken of a student's code, and the
checks of the course's own gradient-checking tools (numerical_gradient, relative_error).

The grader makes the perturbed points (finite_differences.py holds the formula), the student's forward is only
called on them, and every output it gives there is compared with torch at that exact point before the differences
count for anything (a forward cannot steer the differences it is checked with). A layer's gradient check (conv,
pooling, ...) lives with its layer and calls gradient_check() here.
"""

from __future__ import annotations

import numpy as np

from ..finite_differences import (central_differences, gradient_from_directional, orthonormal_directions,
                                  perturbed_points, random_directions)
from ..numerics import relative_error
from ..probes import GRADIENT_FUNCTIONS
from ..student import StudentError, as_array
from .base import PASS, Check, Verdict, compare_array, result_of, shape_text

FD_STEP = 1e-5  # the step h of the central differences, float64 (a case may set params.fd_step)


def directions_for(params, rng, shape) -> np.ndarray:
    """An orthonormal basis (mode full) or a few random unit directions (mode directional) of arrays of `shape`."""
    if params["mode"] == "full":
        return orthonormal_directions(rng, shape)
    return random_directions(rng, shape, params.get("directions", 3))


class ForwardAtPoints:
    """The student's forward at the grader's perturbed points, each checked against torch at that exact point.

    Only then are its central differences used, and they must also agree with torch's own differences at the
    same points: a forward that is right where it is asked directly but bends near the point backward saw fails.
    """

    def __init__(self, label: str, sensitivity: np.ndarray, step: float):
        self.label, self.sensitivity, self.step = label, np.asarray(sensitivity, np.float64), step

    def derivatives(self, what: str, results, expected: np.ndarray, tol) -> tuple[np.ndarray | None, Verdict]:
        """(the student's central differences of sum(sensitivity * forward), verdict on the forward's outputs).

        results: {'returned': [...], 'output_array': [...]}, what forward returned and stored at each point."""
        returned, stored = ((results or {}).get(key) for key in ("returned", "output_array"))
        if not all(isinstance(v, list) and len(v) == len(expected) for v in (returned, stored)):
            raise StudentError(f"{self.label} did not give an output at every point of the gradient check")
        half = len(expected) // 2
        values = []
        for i, reference in enumerate(expected):
            output = result_of({"returned": returned[i], "output_array": stored[i]}, "returned", "output_array",
                               self.label, self.label.split(".")[0])
            where = f"{what} {'+' if i < half else '-'} h * (direction {i % half + 1})"
            verdict = compare_array(f"the output of {self.label} at {where}, a point the gradient check used,", output,
                                    reference, tol, require_float64=False)
            if not verdict.passed:
                return None, Verdict.fail(verdict.message + " The gradient check differentiates your forward, so "
                                          "it counts only where the forward itself is right.")
            values.append(float(np.sum(output.array * self.sensitivity)))
        numerical = central_differences(values, self.step)
        exact = central_differences(np.sum(np.asarray(expected) * self.sensitivity, axis=tuple(
            range(1, np.asarray(expected).ndim))), self.step)
        scale = max(1e-8, float(np.max(np.abs(numerical) + np.abs(exact))))
        error = float(np.max(np.abs(numerical - exact))) / scale
        if error > tol.fd:
            return None, Verdict.fail(
                f"{self.label} changes differently from torch's forward near {what}: the central differences of "
                f"sum(sensitivity * output) differ by {error:.3g} of their size (limit {tol.fd:g}). The gradient check "
                "differentiates your forward, so it counts only where the forward itself is right.")
        return numerical, PASS


def compare_with_finite_differences(label, analytic, derivatives, directions, mode, limit) -> Verdict:
    """The student's gradient against central differences (already checked to be torch's) along `directions`.

    mode 'full': the directions are an orthonormal basis, so the whole numerical gradient is recovered and
    compared element by element; 'directional': the derivatives along the directions are compared.
    """
    if mode == "full":
        numerical = gradient_from_directional(directions, derivatives)
    else:
        numerical = np.asarray(derivatives, dtype=np.float64)
        analytic = np.array([np.sum(v * analytic) for v in directions])
    error = relative_error(analytic, numerical)
    if error <= limit:
        return PASS
    where = int(np.argmax(np.abs(analytic - numerical) / np.maximum(1e-8, np.abs(analytic) + np.abs(numerical))))
    position = (f"along random direction {where + 1}" if mode == "directional"
                else f"at index {tuple(int(i) for i in np.unravel_index(where, analytic.shape))}")
    return Verdict.fail(f"{label} disagrees with central differences of your forward: relative error {error:.3g} "
                        f"(limit {limit:g}); {position}: numerical {numerical.ravel()[where]:.6g} vs analytical "
                        f"{analytic.ravel()[where]:.6g}. Your forward is right at every point used, so the mistake is "
                        "in the backward pass.")


def gradient_check(forward: str, gradient: str, what: str, analytic: np.ndarray, results, expected: np.ndarray,
                   inputs: dict, directions: np.ndarray, mode: str, tol) -> Verdict:
    """A student's gradient against central differences of the student's forward along `directions`.

    forward, gradient: labels of the student's forward method and of the gradient; what: the variable differentiated
    ("the input", ...); results: what the forward gave at the points x +- h v (see ForwardAtPoints); expected: torch's
    outputs there; inputs: the case's, with its sensitivity_array and fd_step."""
    at_points = ForwardAtPoints(forward, inputs["sensitivity_array"], float(inputs["fd_step"]))
    derivatives, verdict = at_points.derivatives(what, results, expected, tol)
    if not verdict.passed:
        return verdict
    return compare_with_finite_differences(gradient, analytic, derivatives, directions, mode, tol.fd)


# numpy and torch twins of the functions numerical_gradient is tried on (the numpy ones live in probes.py)
def _torch_function(name, torch):
    return {
        "sum_of_squares": lambda x: (x ** 2).sum(),
        "non_separable": lambda x: (torch.sin(x) * torch.roll(x.reshape(-1), 1).reshape(x.shape)).sum()
        + x.sum() ** 2 / 10,
        "log_sum_exp": lambda x: torch.logsumexp(x.reshape(-1), 0),
    }[name]


class NumericalGradientCheck(Check):
    """numerical_gradient(f, x, h) against torch autograd of f; x must come back unchanged."""

    name, driver = "numerical_gradient", "numerical_gradient"

    def generate(self, params, rng):
        return {"x": rng.uniform(-1, 1, tuple(params["shape"]))}

    def references(self, params, inputs, torch_ref):
        x = torch_ref.tensor(inputs["x"]).requires_grad_()
        _torch_function(params["function"], torch_ref.torch)(x).backward()
        f, h, x0 = GRADIENT_FUNCTIONS[params["function"]], params.get("h", 1e-5), inputs["x"]
        axes = np.eye(x0.size).reshape((x0.size, *x0.shape))  # one direction per element
        values = np.array([f(point) for point in perturbed_points(x0, axes, h)])
        one_sided = (values[:x0.size] - f(x0)) / h
        return {"gradient": torch_ref.numpy(x.grad),
                "alternatives": {"forward_difference": one_sided.reshape(x0.shape),
                                 "not_halved": 2 * central_differences(values, h).reshape(x0.shape)}}

    def judge(self, params, inputs, outputs, refs, tol):
        label = "numerical_gradient"
        gradient = as_array(outputs.get("gradient"), label)
        after = as_array(outputs.get("x_after"), "x after numerical_gradient")
        if after.array.shape != inputs["x"].shape or np.max(np.abs(after.array - inputs["x"])) > 1e-12:
            return Verdict.fail("numerical_gradient changed x: after the call it differs from before.", "x_not_restored")
        if gradient.array.shape != inputs["x"].shape:
            return Verdict.fail(f"{label} returned shape {shape_text(gradient.array.shape)}, expected x's shape "
                                f"{shape_text(inputs['x'].shape)}.")
        limit = tol.fd
        error = relative_error(gradient.array, refs["gradient"])
        if error <= limit:
            return PASS
        mistake = next((m for m, alt in refs["alternatives"].items()
                        if relative_error(gradient.array, alt) < 1e-9), None)
        return Verdict.fail(f"{label} differs from the exact gradient: relative error {error:.3g} (limit {limit:g}).",
                            mistake)

    def describe(self, params):
        h = f", h={params['h']}" if "h" in params else ""
        return f"numerical_gradient on {params['function']} at x of shape {shape_text(params['shape'])}{h}"


class RelativeErrorCheck(Check):
    """relative_error(a, b) against the course's definition, computed with torch."""

    name, driver = "relative_error", "relative_error"

    def generate(self, params, rng):
        if params.get("scalar"):
            return {"a": float(rng.uniform(-2, 2)), "b": float(rng.uniform(-2, 2))}
        shape = tuple(params["shape"])
        a = rng.uniform(-2, 2, shape)
        b = a + rng.normal(scale=params.get("noise", 1e-3), size=shape)
        if params.get("zeros"):
            a.ravel()[::3], b.ravel()[::3] = 0.0, 0.0  # pairs of zeros: only the 1e-8 floor keeps this finite
        return {"a": a, "b": b}

    def references(self, params, inputs, torch_ref):
        a, b = (torch_ref.tensor(inputs[k]) for k in ("a", "b"))
        floor = torch_ref.torch.full_like(a, 1e-8)
        value = float(((a - b).abs() / torch_ref.torch.maximum(floor, a.abs() + b.abs())).max())
        an, bn = np.asarray(inputs["a"], float), np.asarray(inputs["b"], float)
        with np.errstate(all="ignore"):
            return {"value": value, "alternatives": {
                "relative_error_no_floor": float(np.max(np.abs(an - bn) / (np.abs(an) + np.abs(bn)))),
                "relative_error_mean": float(np.mean(np.abs(an - bn) / np.maximum(1e-8, np.abs(an) + np.abs(bn)))),
                "relative_error_one_sided": float(np.max(np.abs(an - bn) / np.maximum(1e-8, np.abs(bn))))}}

    def judge(self, params, inputs, outputs, refs, tol):
        value = as_array(outputs.get("value"), "relative_error(a, b)")
        if value.array.shape != ():
            return Verdict.fail(f"relative_error returned shape {shape_text(value.array.shape)}; it should return one "
                                "number, the maximum over elements.", "relative_error_mean")
        actual, expected = float(value.array), refs["value"]
        if np.isclose(actual, expected, rtol=1e-9, atol=0):
            return PASS
        mistake = next((m for m, alt in refs["alternatives"].items()
                        if np.isclose(actual, alt, rtol=1e-9, equal_nan=True)), None)
        if mistake is None and not np.isfinite(actual):
            mistake = "relative_error_no_floor"
        return Verdict.fail(f"relative_error(a, b) returned {actual:.6g}, expected {expected:.6g}.", mistake)

    def describe(self, params):
        if params.get("scalar"):
            return "relative_error on two numbers"
        zeros = " with some elements 0 in both" if params.get("zeros") else ""
        return f"relative_error on arrays of shape {shape_text(params['shape'])}{zeros}"


CHECKS = (NumericalGradientCheck(), RelativeErrorCheck())
