"""Assignment 2 checks: backpropagation through the conv layer (against torch autograd), the student's gradients
against finite differences of the student's own forward, the SGD update, and the student's gradient checker."""

from __future__ import annotations

import re

import numpy as np

from ..finite_differences import gradient_from_directional, orthonormal_directions, random_directions
from ..numerics import relative_error
from ..student import StudentError, as_array
from .base import PASS, Check, Verdict, combined, compare_array, shape_text, stored_too, update_mistakes
from .forward import ConvForwardCheck

_BROADCAST = re.compile(r"shapes \(([\d, ]+)\) \(([\d, ]+)\)")


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


class ConvBackwardCheck(Check):
    """bp_sensitivity_map, bp_gradient or backward against torch autograd of conv2d."""

    name, driver = "conv_backward", "conv_backward"

    def generate(self, params, rng):
        return conv_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        x, wts, b, sens = (inputs[k] for k in ("input_array", "weights", "biases", "sensitivity_array"))
        s, p = params["stride"], params["zero_padding"]
        relu = params["previous_activator"] == "ReluActivator"
        dx, dw, db = torch_ref.conv_gradients(x, wts, b, sens, s, p)
        derivative = torch_ref.numpy((torch_ref.tensor(x) > 0).double()) if relu else np.ones_like(x)
        delta_alternatives = {"kernel_not_rotated":
                              torch_ref.conv_gradients(x, np.flip(wts, (-2, -1)), b, sens, s, p)[0] * derivative}
        if relu:
            delta_alternatives["activator_derivative_missing"] = dx
            delta_alternatives["derivative_of_wrong_array"] = dx * (dx > 0)
        if p > 0:
            padded = np.pad(x, ((0, 0), (p, p), (p, p)))
            delta_alternatives["padding_not_removed"] = torch_ref.conv_gradients(padded, wts, b, sens, s, 0)[0]
        weights_alternatives = {"gradient_rotated": np.flip(dw, (-2, -1))}
        if s > 1:
            unexpanded = torch_ref.conv_transpose(sens, wts, 1, p)
            if unexpanded.shape == x.shape:
                unexpanded = unexpanded * derivative
            delta_alternatives["sensitivity_not_expanded"] = unexpanded
            weights_alternatives["sensitivity_not_expanded"] = torch_ref.conv_gradients(
                x, wts, b, sens, 1, p, crop=sens.shape[1:])[1]
        return {"delta": dx * derivative, "weights_grad": dw, "bias_grad": db,
                "delta_alternatives": delta_alternatives, "weights_alternatives": weights_alternatives,
                "bias_alternatives": {"bias_not_summed": sens.mean(axis=(1, 2))}}

    def _delta(self, outputs, refs, tol, returned: bool) -> Verdict:
        if returned:
            value = as_array(outputs.get("returned_delta"), "ConvLayer.bp_sensitivity_map")
            verdict = compare_array("the delta_array returned by bp_sensitivity_map", value, refs["delta"], tol,
                                    refs["delta_alternatives"])
            if not verdict.passed:
                return verdict
            return stored_too(outputs, "delta_array", value, "bp_sensitivity_map", "ConvLayer")
        value = as_array(outputs.get("delta_array"), "ConvLayer.delta_array after backward")
        return compare_array("ConvLayer.delta_array after backward", value, refs["delta"], tol,
                             refs["delta_alternatives"])

    def _gradients(self, params, outputs, refs, tol) -> Verdict:
        weights = combined(stacked(outputs.get("weights_grad", []), "weights_grad"))
        verdict = compare_array("the filters' weights_grad", weights, refs["weights_grad"], tol,
                                refs["weights_alternatives"])
        if not verdict.passed:
            return verdict
        biases = [as_array(v, f"bias_grad of filter {i}") for i, v in enumerate(outputs.get("bias_grad", []))]
        for i, bias in enumerate(biases):
            if bias.array.shape != ():
                mistake = "bias_not_summed" if bias.array.shape == output_shape(params)[1:] else None
                return Verdict.fail(f"bias_grad of filter {i} has shape {shape_text(bias.array.shape)}; it should be "
                                    "one number.", mistake)
        return compare_array("the filters' bias_grad", combined(biases), refs["bias_grad"], tol,
                             refs["bias_alternatives"], require_float64=False)

    def judge(self, params, inputs, outputs, refs, tol):
        method = params["method"]
        if method == "bp_sensitivity_map":
            return self._delta(outputs, refs, tol, returned=True)
        if method == "bp_gradient":
            return self._gradients(params, outputs, refs, tol)
        verdict = self._delta(outputs, refs, tol, returned=False)
        return verdict if not verdict.passed else self._gradients(params, outputs, refs, tol)

    def explain(self, params, error):
        """A broadcasting error while backpropagating: shapes 2P too large mean the padding stayed on delta;
        otherwise, with a stride, windows cut short mean the map was not expanded."""
        found = _BROADCAST.search(error)
        if found and params["method"] != "bp_gradient":
            a, b = ([int(n) for n in g.split(",") if n.strip()] for g in found.groups())
            p = params["zero_padding"]
            if p and len(a) == len(b) and [x - y for x, y in zip(a[-2:], b[-2:])] == [2 * p, 2 * p]:
                return Verdict.fail(error, "padding_not_removed")
            if params["stride"] > 1:
                return Verdict.fail(error, "sensitivity_not_expanded")
        return super().explain(params, error)

    def describe(self, params):
        return (f"{params['method']}: {ConvForwardCheck().describe(params)}, previous layer's activator "
                f"{params['previous_activator']}")


def compare_with_finite_differences(label, analytic, derivatives, directions, mode, truth, limit) -> Verdict:
    """The student's gradient against central differences of the student's own forward along `directions`.

    mode 'full': the directions are an orthonormal basis, so the whole numerical gradient is recovered and
    compared element by element; 'directional': the derivatives along the directions are compared.
    truth (torch's gradient) only decides which side a failure blames.
    """
    if mode == "full":
        numerical = gradient_from_directional(directions, derivatives)
    else:
        numerical = derivatives
        analytic = np.array([np.sum(v * analytic) for v in directions])
        truth = np.array([np.sum(v * truth) for v in directions])
    error = relative_error(analytic, numerical)
    if error <= limit:
        return PASS
    where = int(np.argmax(np.abs(analytic - numerical) / np.maximum(1e-8, np.abs(analytic) + np.abs(numerical))))
    position = (f"along random direction {where + 1}" if mode == "directional"
                else f"at index {tuple(int(i) for i in np.unravel_index(where, analytic.shape))}")
    message = (f"{label} disagrees with central differences of your own forward: relative error {error:.3g} "
               f"(limit {limit:g}); {position}: numerical {numerical.ravel()[where]:.6g} vs analytical "
               f"{analytic.ravel()[where]:.6g}.")
    if relative_error(numerical, truth) <= limit:
        return Verdict.fail(message + " Your forward agrees with torch, so the mistake is in the backward pass.")
    if relative_error(analytic, truth) <= limit:
        return Verdict.fail(message + " Your gradient agrees with torch, so your forward is what is wrong.",
                            "forward_inconsistent")
    return Verdict.fail(message + " Neither agrees with torch: check forward first, then backward.")


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
            verdict = compare_array(label, combined(stacked(outputs.get(key, []), key)), refs[key], tol,
                                    refs[f"{key}_alternatives"], require_float64=False)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        return f"update() with learning rate {params['learning_rate']}: {ConvForwardCheck().describe(params)}"


class ConvGradcheckCheck(Check):
    """The student's gradients against central differences of the student's own forward pass.

    Consistency, not correctness: a wrong forward with a matching backward passes here and fails the torch tests,
    which tells the two apart. Torch's gradients are used only to say which side is wrong.
    """

    name, driver = "conv_gradcheck", "conv_gradcheck"
    TARGETS = {"input": ("delta_array", "delta_array"), "weights": ("weights_grad", "weights_grad"),
               "bias": ("bias_grad", "bias_grad")}

    def generate(self, params, rng):
        """Directions to differentiate along: an orthonormal basis (full) or a few random ones (directional)."""
        inputs = conv_inputs(params, rng)
        for target, key in (("input", "input_array"), ("weights", "weights"), ("bias", "biases")):
            shape = inputs[key].shape
            inputs[f"directions_{target}"] = (orthonormal_directions(rng, shape) if params["mode"] == "full"
                                              else random_directions(rng, shape, params.get("directions", 3)))
        return inputs

    def references(self, params, inputs, torch_ref):
        dx, dw, db = torch_ref.conv_gradients(inputs["input_array"], inputs["weights"], inputs["biases"],
                                              inputs["sensitivity_array"], params["stride"], params["zero_padding"])
        return {"input": dx, "weights": dw, "bias": db}

    def _analytic(self, target, outputs) -> np.ndarray:
        key, label = self.TARGETS[target]
        if target == "input":
            return as_array(outputs.get(key), "ConvLayer.delta_array after backward").array
        values = stacked(outputs.get(key, []), label)
        return np.stack([v.array for v in values])

    def judge(self, params, inputs, outputs, refs, tol):
        for target in params.get("targets", ["input", "weights", "bias"]):
            analytic, truth = self._analytic(target, outputs), refs[target]
            if analytic.shape != truth.shape:
                summed = target == "bias" and analytic.shape[1:] == inputs["sensitivity_array"].shape[1:]
                return Verdict.fail(f"{self.TARGETS[target][1]} has shape {shape_text(analytic.shape)}, expected "
                                    f"{shape_text(truth.shape)}.", "bias_not_summed" if summed else None)
            verdict = compare_with_finite_differences(
                self.TARGETS[target][1], analytic, np.asarray(outputs["numerical"][target], dtype=np.float64),
                inputs[f"directions_{target}"], params["mode"], truth, tol.fd)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        how = "every component" if params["mode"] == "full" else f"{params.get('directions', 3)} random directions"
        return f"finite differences ({how}): {ConvForwardCheck().describe(params)}"


# numpy and torch twins of the functions numerical_gradient is tried on (the numpy ones live in drivers.py)
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
        from ..drivers import GRADIENT_FUNCTIONS

        x = torch_ref.tensor(inputs["x"]).requires_grad_()
        _torch_function(params["function"], torch_ref.torch)(x).backward()
        f, h, x0 = GRADIENT_FUNCTIONS[params["function"]], params.get("h", 1e-5), inputs["x"]
        forward, halved = np.zeros(x0.shape), np.zeros(x0.shape)
        for index in np.ndindex(x0.shape):
            step = np.zeros(x0.shape)
            step[index] = h
            forward[index] = (f(x0 + step) - f(x0)) / h
            halved[index] = (f(x0 + step) - f(x0 - step)) / h
        return {"gradient": torch_ref.numpy(x.grad),
                "alternatives": {"forward_difference": forward, "not_halved": halved}}

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
