"""Assignment 2 checks: backpropagation through the conv layer (against torch autograd), the student's gradients
against finite differences of the student's own forward, the SGD update, and the student's gradient checker.

Finite differences are taken here, in the grader: the grader makes the perturbed points, the student's forward
is only called on them, and every output it gives there is compared with torch at that exact point before the
differences count for anything (a forward cannot steer the differences it is checked with).
"""

from __future__ import annotations

import numpy as np

from ..finite_differences import (central_differences, gradient_from_directional, orthonormal_directions,
                                  perturbed_points, random_directions)
from ..numerics import relative_error
from ..student import StudentError, as_array
from ..probes import ACTIVATOR_PROBE
from .base import (PASS, Check, Verdict, activator_probe_reference, combined, compare_array, result_of, shape_text,
                   stored_too, update_mistakes, upstream_cause)
from .diagnosis import judge_array, same
from .forward import ConvForwardCheck

FD_STEP = 1e-5  # the step h of the central differences, float64 (a case may set params.fd_step)


def output_shape(params) -> tuple[int, int, int]:
    c, h, w = params["input_shape"]
    (fh, fw), p, s = params["filter_shape"], params["zero_padding"], params["stride"]
    return params["filter_number"], (h + 2 * p - fh) // s + 1, (w + 2 * p - fw) // s + 1


def conv_inputs(params, rng) -> dict:
    """Input, weights, biases and a sensitivity map; a ReLU previous layer gets a ReLU output (zeros included)."""
    inputs = ConvForwardCheck().generate(params, rng)
    if params.get("previous_activator") == "ReluActivator":
        inputs["input_array"] = np.maximum(inputs["input_array"], 0)
    inputs["sensitivity_array"] = rng.uniform(-1, 1, output_shape(params))
    return inputs


def stacked(values, label: str):
    """A list of per-filter arrays as one array; a StudentError when they are missing or ragged."""
    arrays = [as_array(v, f"{label} of filter {i}") for i, v in enumerate(values)]
    shapes = {a.array.shape for a in arrays}
    if len(shapes) > 1:
        raise StudentError(f"the filters' {label} have different shapes: {sorted(shapes)}")
    return arrays


class InputGradientMistakes:
    """What the input gradient (delta_array) is when a named mistake is made, computed with torch.

    Every result has the input's shape (what the student's code would return) or the padded input's shape
    (padding_not_removed); a way of making a mistake that would make the student's code raise is left out.
    """

    def __init__(self, torch_ref, inputs, params):
        self.ref, self.F = torch_ref, torch_ref.torch.nn.functional
        self.x, self.w, self.b, self.sens = (inputs[k] for k in ("input_array", "weights", "biases",
                                                                  "sensitivity_array"))
        self.s, self.p = params["stride"], params["zero_padding"]
        self.fh, self.fw = params["filter_shape"]
        _, self.h, self.wd = self.x.shape
        relu = params["previous_activator"] == "ReluActivator"
        self.derivative = (self.x > 0).astype(np.float64) if relu else np.ones_like(self.x)

    def expanded(self):
        """The sensitivity map spread to stride-1 positions: a (K, H + 2P - FH + 1, W + 2P - FW + 1) tensor."""
        k = self.sens.shape[0]
        ones = self.ref.torch.ones((k, 1, 1, 1), dtype=self.ref.torch.float64, device=self.ref.device)
        spread = self.F.conv_transpose2d(self.ref.tensor(self.sens)[None], ones, stride=self.s, groups=k)[0]
        height, width = self.h + 2 * self.p - self.fh + 1, self.wd + 2 * self.p - self.fw + 1
        return self.F.pad(spread, (0, width - spread.shape[-1], 0, height - spread.shape[-2]))

    def full_correlation(self, rows: int, cols: int) -> np.ndarray | None:
        """The expanded map padded with `rows` and `cols` zeros, cross-correlated with the 180-degree turned filters
        (None where the padded map is smaller than the filter: code doing that would raise)."""
        padded = self.F.pad(self.expanded(), (cols, cols, rows, rows))
        if padded.shape[-2] < self.fh or padded.shape[-1] < self.fw:
            return None
        turned = self.ref.tensor(np.flip(self.w, (-2, -1)).transpose(1, 0, 2, 3))
        return self.ref.numpy(self.F.conv2d(padded[None], turned)[0])

    def cropped(self, padded_gradient: np.ndarray, top: int, left: int):
        """padded_gradient[:, top:top + H, left:left + W] times the previous activator's derivative, if it fits."""
        if padded_gradient is None or padded_gradient.shape[1] < top + self.h or padded_gradient.shape[2] < left + self.wd:
            return None
        return padded_gradient[:, top:top + self.h, left:left + self.wd] * self.derivative

    def all(self) -> dict:
        fh, fw, p = self.fh, self.fw, self.p
        right_padded = self.full_correlation(fh - 1, fw - 1)
        dx = self.ref.conv_gradients(self.x, self.w, self.b, self.sens, self.s, p)[0]
        mistakes = {"kernel_not_rotated": self.ref.conv_gradients(self.x, np.flip(self.w, (-2, -1)), self.b,
                                                                  self.sens, self.s, p)[0] * self.derivative}
        if np.any(self.derivative == 0):
            mistakes["activator_derivative_missing"] = dx
            mistakes["derivative_of_wrong_array"] = dx * (dx > 0)
        if p > 0:  # the padded gradient, as it is or times the derivative at the padded input
            padded_input = np.pad(self.x, ((0, 0), (p, p), (p, p)))
            derivative = (padded_input > 0) if np.any(self.derivative == 0) else np.ones_like(padded_input)
            mistakes["padding_not_removed"] = [right_padded, right_padded * derivative]
            mistakes["padding_cropped_wrong_offset"] = [self.cropped(right_padded, top, left)
                                                        for top in range(2 * p + 1) for left in range(2 * p + 1)
                                                        if (top, left) != (p, p)]
        if self.s > 1:  # each sensitivity spread from position (i, j) instead of (i*S, j*S)
            unexpanded = self.ref.conv_transpose(self.sens, self.w, 1, 0)
            room = np.zeros((unexpanded.shape[0], self.h + 2 * p, self.wd + 2 * p))
            room[:, :unexpanded.shape[1], :unexpanded.shape[2]] = unexpanded
            mistakes["sensitivity_not_expanded"] = self.cropped(room, p, p)
        if fh != fw:  # the full convolution padded with the filter's width for rows, or its height for columns
            mixed = {(fw - 1, fh - 1), (fw - 1, fw - 1), (fh - 1, fh - 1)}
            mistakes["full_padding_swapped"] = [self.cropped(self.full_correlation(rows, cols), p, p)
                                                for rows, cols in sorted(mixed)]
        return mistakes


class ConvBackwardCheck(Check):
    """bp_sensitivity_map, bp_gradient or backward against torch autograd of conv2d."""

    name, driver = "conv_backward", "conv_backward"

    def generate(self, params, rng):
        return conv_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        x, wts, b, sens = (inputs[k] for k in ("input_array", "weights", "biases", "sensitivity_array"))
        s, p = params["stride"], params["zero_padding"]
        mistakes = InputGradientMistakes(torch_ref, inputs, params)
        dx, dw, db = torch_ref.conv_gradients(x, wts, b, sens, s, p)
        weights_alternatives = {"gradient_rotated": np.flip(dw, (-2, -1))}
        if s > 1:
            weights_alternatives["sensitivity_not_expanded"] = torch_ref.conv_gradients(
                x, wts, b, sens, 1, p, crop=sens.shape[1:])[1]
        return {"delta": dx * mistakes.derivative, "weights_grad": dw, "bias_grad": db,
                "delta_alternatives": mistakes.all(), "weights_alternatives": weights_alternatives,
                "bias_alternatives": {"bias_not_summed": sens.mean(axis=(1, 2))},
                "previous_activator_probe": activator_probe_reference(torch_ref, params["previous_activator"],
                                                                      "backward", ACTIVATOR_PROBE)}

    def _delta(self, outputs, refs, tol, returned: bool) -> Verdict:
        if returned:
            value = result_of(outputs, "returned_delta", "delta_array", "ConvLayer.bp_sensitivity_map", "ConvLayer")
            verdict = judge_array("the delta_array returned by bp_sensitivity_map", value, refs["delta"], tol,
                                  refs["delta_alternatives"])
            if not verdict.passed:
                return verdict
            return stored_too(outputs, "delta_array", value, "bp_sensitivity_map", "ConvLayer")
        if outputs.get("delta_array") is None:  # bp_sensitivity_map may only return; backward's caller reads it here
            raise StudentError("ConvLayer.backward did not set self.delta_array: the tests read `delta_array` after "
                               "backward (see the docstring), so bp_sensitivity_map must store its result there")
        value = as_array(outputs.get("delta_array"), "ConvLayer.delta_array after backward")
        return judge_array("ConvLayer.delta_array after backward", value, refs["delta"], tol,
                           refs["delta_alternatives"])

    def _gradients(self, params, inputs, outputs, refs, tol) -> Verdict:
        weights = combined(stacked(outputs.get("weights_grad", []), "weights_grad"))
        verdict = judge_array("the filters' weights_grad", weights, refs["weights_grad"], tol,
                              refs["weights_alternatives"])
        if not verdict.passed:
            return verdict
        biases = [as_array(v, f"bias_grad of filter {i}") for i, v in enumerate(outputs.get("bias_grad", []))]
        if all(b.array.shape == () and b.array == 0 for b in biases) and np.any(refs["bias_grad"] != 0):
            return Verdict.fail("the filters' bias_grad is still 0.", "bias_grad_not_computed")
        for i, bias in enumerate(biases):
            if bias.array.shape != ():
                summed = same(bias.array, np.asarray(inputs["sensitivity_array"][i], np.float64), tol)
                return Verdict.fail(f"bias_grad of filter {i} has shape {shape_text(bias.array.shape)}; it should be "
                                    "one number.", "bias_not_summed" if summed else None)
        return judge_array("the filters' bias_grad", combined(biases), refs["bias_grad"], tol,
                           refs["bias_alternatives"], require_float64=False)

    def judge(self, params, inputs, outputs, refs, tol):
        method = params["method"]
        if method == "bp_sensitivity_map":
            return self._upstream(params, outputs, refs, self._delta(outputs, refs, tol, returned=True))
        if method == "bp_gradient":
            return self._gradients(params, inputs, outputs, refs, tol)
        verdict = self._upstream(params, outputs, refs, self._delta(outputs, refs, tol, returned=False))
        return verdict if not verdict.passed else self._gradients(params, inputs, outputs, refs, tol)

    @staticmethod
    def _upstream(params, outputs, refs, verdict) -> Verdict:
        """delta_array uses the previous activator's derivative: a wrong student activator is blamed (H2a)."""
        return upstream_cause(verdict, outputs, refs, "previous_activator", f"{params['previous_activator']}.backward")

    def describe(self, params):
        return (f"{params['method']}: {ConvForwardCheck().describe(params)}, previous layer's activator "
                f"{params['previous_activator']}")


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


class ConvUpdateCheck(Check):
    """ConvLayer.update(): every filter takes one SGD step with the layer's learning rate (torch.optim.SGD)."""

    name, driver = "conv_update", "conv_update"

    def generate(self, params, rng):
        inputs = ConvForwardCheck().generate(params, rng)
        inputs["weights_grad"] = rng.uniform(-1, 1, inputs["weights"].shape)
        inputs["bias_grad"] = rng.uniform(-1, 1, inputs["biases"].shape)
        return inputs

    def references(self, params, inputs, torch_ref):
        lr = params["learning_rate"]
        w, b, gw, gb = (inputs[k] for k in ("weights", "biases", "weights_grad", "bias_grad"))
        weights, biases = torch_ref.sgd_step([w, b], [gw, gb], lr)
        return {"weights": weights, "bias": biases,
                "weights_alternatives": update_mistakes(w, gw, lr, "weights_not_updated"),
                "bias_alternatives": update_mistakes(b, gb, lr, "bias_not_updated")}

    def judge(self, params, inputs, outputs, refs, tol):
        for key, label in (("weights", "the filters' weights after update()"), ("bias", "the filters' biases after update()")):
            verdict = judge_array(label, combined(stacked(outputs.get(key, []), key)), refs[key], tol,
                                  refs[f"{key}_alternatives"], require_float64=False)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        return f"update() with learning rate {params['learning_rate']}: {ConvForwardCheck().describe(params)}"


def directions_for(params, rng, shape) -> np.ndarray:
    """An orthonormal basis (mode full) or a few random unit directions (mode directional) of arrays of `shape`."""
    if params["mode"] == "full":
        return orthonormal_directions(rng, shape)
    return random_directions(rng, shape, params.get("directions", 3))


class ConvGradcheckCheck(Check):
    """The student's gradients against central differences of the student's own forward pass.

    The grader sends the points x +- h v (or weights, biases +- h v); the student's forward runs on each and
    every output is compared with torch there; the grader takes the differences. A backward consistent with a
    forward that is right passes; a wrong forward fails here too, whatever its backward.
    """

    name, driver = "conv_gradcheck", "conv_gradcheck"
    uses_fd_step = True
    TARGETS = {"input": ("input_array", "delta_array", "the input"), "weights": ("weights", "weights_grad", "the weights"),
               "bias": ("biases", "bias_grad", "the biases")}

    @staticmethod
    def targets(params) -> list[str]:
        return list(params.get("targets", ["input", "weights", "bias"]))

    def generate(self, params, rng):
        """Directions to differentiate along and the points x +- h v at which the student's forward is called."""
        inputs = conv_inputs(params, rng)
        step = float(params.get("fd_step", FD_STEP))
        for target in ("input", "weights", "bias"):
            key = self.TARGETS[target][0]
            inputs[f"directions_{target}"] = directions_for(params, rng, inputs[key].shape)
            if target in self.targets(params):
                inputs[f"points_{target}"] = perturbed_points(inputs[key], inputs[f"directions_{target}"], step)
        inputs["fd_step"] = step
        return inputs

    def arguments(self, inputs, target, point) -> tuple:
        """(input, weights, biases) with the target replaced by a perturbed point."""
        values = {"input": inputs["input_array"], "weights": inputs["weights"], "bias": inputs["biases"], target: point}
        return values["input"], values["weights"], values["bias"]

    def references(self, params, inputs, torch_ref):
        s, p = params["stride"], params["zero_padding"]
        dx, dw, db = torch_ref.conv_gradients(inputs["input_array"], inputs["weights"], inputs["biases"],
                                              inputs["sensitivity_array"], s, p)
        refs = {"input": dx, "weights": dw, "bias": db}
        for target in self.targets(params):
            refs[f"forward_{target}"] = np.stack([torch_ref.conv2d(*self.arguments(inputs, target, point), s, p)
                                                  for point in inputs[f"points_{target}"]])
        return refs

    def _analytic(self, target, outputs) -> np.ndarray:
        key = self.TARGETS[target][1]
        if target == "input":
            return as_array(outputs.get(key), "ConvLayer.delta_array after backward").array
        values = stacked(outputs.get(key, []), key)
        return np.stack([v.array for v in values])

    def judge(self, params, inputs, outputs, refs, tol):
        at_points = ForwardAtPoints("ConvLayer.forward", inputs["sensitivity_array"], float(inputs["fd_step"]))
        for target in self.targets(params):
            _, gradient, what = self.TARGETS[target]
            analytic, truth = self._analytic(target, outputs), refs[target]
            if analytic.shape != truth.shape:
                summed = target == "bias" and analytic.ndim == 3 and same(
                    analytic, np.asarray(inputs["sensitivity_array"], np.float64), tol)
                return Verdict.fail(f"{gradient} has shape {shape_text(analytic.shape)}, expected "
                                    f"{shape_text(truth.shape)}.", "bias_not_summed" if summed else None)
            derivatives, verdict = at_points.derivatives(what, outputs.get(f"forward_{target}"),
                                                         refs[f"forward_{target}"], tol)
            if not verdict.passed:
                return verdict
            verdict = compare_with_finite_differences(gradient, analytic, derivatives, inputs[f"directions_{target}"],
                                                      params["mode"], tol.fd)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        how = "every component" if params["mode"] == "full" else f"{params.get('directions', 3)} random directions"
        return f"finite differences ({how}): {ConvForwardCheck().describe(params)}"


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
        from ..probes import GRADIENT_FUNCTIONS

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


BACKPROP_CHECKS = (ConvBackwardCheck(), ConvUpdateCheck(), ConvGradcheckCheck(), NumericalGradientCheck(),
                   RelativeErrorCheck())
