"""The convolutional layer and its filters: Filter, output sizes, ConvLayer forward, backward (against torch
autograd and against finite differences of the student's own forward) and the SGD update."""

from __future__ import annotations

import math

import numpy as np

from ..finite_differences import perturbed_points
from ..probes import ACTIVATOR_PROBE
from ..student import StudentError, as_array, missing_attribute
from .base import (PASS, Check, Verdict, activator_probe_reference, combined, compare_array, failure, nonzero,
                   result_of, shape_text, stored_too, upstream_cause)
from .diagnosis import judge_array, same
from .gradient_checking import FD_STEP, directions_for, gradient_check
from .update import UpdateCheck


class FilterInitCheck(Check):
    """A new Filter(width, height, depth): weight shape, small random weights, zero bias and gradients."""

    name, driver = "filter_init", "filter_init"
    random_inputs = False

    def references(self, params, inputs, torch_ref):
        # torch's Conv2d stores a filter as (in_channels, kernel_height, kernel_width): the course's layout
        layer = torch_ref.torch.nn.Conv2d(params["depth"], 1, (params["height"], params["width"]))
        return {"shape": list(layer.weight.shape[1:])}

    def judge(self, params, inputs, outputs, refs, tol):
        shape = tuple(refs["shape"])
        weights = as_array(outputs.get("weights"), "Filter.weights")
        if weights.array.shape != shape:
            d, h, w = shape
            mistake = ("width_height_swapped" if weights.array.shape == (d, w, h)
                       else "filter_axes" if sorted(weights.array.shape) == sorted(shape) else None)
            return Verdict.fail(f"Filter.weights has shape {shape_text(weights.array.shape)}, expected "
                                f"{shape_text(shape)} = (depth, height, width).", mistake)
        if weights.array.size > 1 and np.ptp(weights.array) == 0:
            return Verdict.fail("Filter.weights are all the same value.", "weights_not_random")
        if np.abs(weights.array).max() > 0.1:
            return Verdict.fail(f"Filter.weights reach {np.abs(weights.array).max():.3g} in absolute value.",
                                "weights_too_large")
        bias = as_array(outputs.get("bias"), "Filter.bias")
        if bias.array.shape != () or bias.array != 0:
            return Verdict.fail(f"Filter.bias should start as the number 0, got {bias.array.tolist()}.")
        grad = compare_array("Filter.weights_grad", as_array(outputs.get("weights_grad"), "Filter.weights_grad"),
                             np.zeros(shape), tol, require_float64=False)
        if not grad.passed:
            return Verdict.fail(grad.message + " It should start as zeros with the shape of the weights.")
        bias_grad = as_array(outputs.get("bias_grad"), "Filter.bias_grad")
        if bias_grad.array.shape != () or bias_grad.array != 0:
            return Verdict.fail(f"Filter.bias_grad should start as the number 0, got {bias_grad.array.tolist()}.")
        got = as_array(outputs.get("get_weights"), "Filter.get_weights()")
        if got.array.shape != shape or not np.array_equal(got.array, weights.array):
            return Verdict.fail("Filter.get_weights() does not return the filter's weights.")
        got_bias = as_array(outputs.get("get_bias"), "Filter.get_bias()")
        if got_bias.array.shape != () or got_bias.array != bias.array:
            return Verdict.fail("Filter.get_bias() does not return the filter's bias.")
        return PASS

    def describe(self, params):
        return f"Filter(width={params['width']}, height={params['height']}, depth={params['depth']})"


class FilterUpdateCheck(UpdateCheck):
    """Filter.update(learning_rate): one SGD step on weights and bias, compared with torch.optim.SGD."""

    name, driver = "filter_update", "filter_update"
    PARAMETERS = (("weights", "weights", "weights_grad", "Filter.weights after update()"),
                  ("bias", "bias", "bias_grad", "Filter.bias after update()"))

    def generate(self, params, rng):
        shape = (params["depth"], params["height"], params["width"])
        return {"weights": rng.uniform(-1, 1, shape), "bias": float(rng.uniform(-1, 1)),
                "weights_grad": nonzero(rng, shape), "bias_grad": float(nonzero(rng, ()))}

    def updated(self, outputs, key, label):
        return as_array(outputs.get(key), label)

    def after(self, outputs):
        if not np.array_equal(as_array(outputs.get("get_weights"), "Filter.get_weights()").array,
                              as_array(outputs.get("weights"), "Filter.weights").array):
            return Verdict.fail("Filter.get_weights() does not return the updated weights.")
        if not np.array_equal(as_array(outputs.get("get_bias"), "Filter.get_bias()").array,
                              as_array(outputs.get("bias"), "Filter.bias").array):
            return Verdict.fail("Filter.get_bias() does not return the updated bias.")
        return PASS

    def describe(self, params):
        return (f"Filter of depth {params['depth']}, height {params['height']}, width {params['width']}, "
                f"update({params['learning_rate']})")


class OutputSizeCheck(Check):
    """ConvLayer.calculate_output_size against the size torch's Conv2d produces."""

    name, driver = "output_size", "output_size"
    random_inputs = False

    def references(self, params, inputs, torch_ref):
        w, f, p, s = (params[k] for k in ("input_size", "filter_size", "zero_padding", "stride"))
        _, _, size = torch_ref.conv_layer_shape((1, w, w), 1, f, f, p, s)
        return {"size": size, "alternatives": {
            "true_division": (w - f + 2 * p) / s + 1, "rounded_up": math.ceil((w - f + 2 * p) / s) + 1,
            "padding_once": (w - f + p) // s + 1, "stride_ignored": w - f + 2 * p + 1,
            "padding_ignored": (w - f) // s + 1}}

    def judge(self, params, inputs, outputs, refs, tol):
        label = "calculate_output_size({input_size}, {filter_size}, {zero_padding}, {stride})".format(**params)
        returned = as_array(outputs.get("size"), label)
        if returned.array.shape != ():
            return Verdict.fail(f"{label} returned an array of shape {shape_text(returned.array.shape)}, expected one number.")
        value, expected = float(returned.array), refs["size"]
        if value == expected and not returned.dtype.startswith(("int", "uint")):
            return Verdict.fail(f"{label} returned {value!r}, a {returned.dtype}, expected the int {expected}.",
                                "float_size")
        if value == expected:
            return PASS
        names = [name for name, alt in refs["alternatives"].items() if math.isclose(value, alt) and alt != expected]
        return failure(f"{label} returned {value:g}, expected {expected}.", names)

    def describe(self, params):
        return ("input size {input_size}, filter size {filter_size}, zero padding {zero_padding}, "
                "stride {stride}").format(**params)


class ConvForwardCheck(Check):
    """ConvLayer.forward against torch's conv2d (cross-correlation), then the activator."""

    name, driver = "conv_forward", "conv_forward"

    def generate(self, params, rng):
        c, h, w = params["input_shape"]
        k, (fh, fw) = params["filter_number"], params["filter_shape"]
        biases = rng.uniform(-1, 1, k) if params.get("bias", True) else np.zeros(k)
        return {"input_array": rng.uniform(-1, 1, (c, h, w)), "weights": rng.uniform(-1, 1, (k, c, fh, fw)),
                "biases": biases}

    def references(self, params, inputs, torch_ref):
        x, wts, b = inputs["input_array"], inputs["weights"], inputs["biases"]
        s, p = params["stride"], params["zero_padding"]
        relu = params["activator"] == "ReluActivator"
        activate = torch_ref.relu if relu else (lambda z: z)
        weighted = torch_ref.conv2d(x, wts, b, s, p)
        alternatives = {"kernel_flipped": activate(torch_ref.conv2d(x, np.flip(wts, (-2, -1)), b, s, p))}
        if s > 1:
            alternatives["stride_ignored"] = activate(torch_ref.conv2d(x, wts, b, 1, p))
        if p > 0:
            alternatives["padding_ignored"] = activate(torch_ref.conv2d(x, wts, b, s, 0))
        if np.any(b != 0):
            alternatives["bias_missing"] = activate(torch_ref.conv2d(x, wts, np.zeros_like(b), s, p))
        if relu:
            alternatives["activator_not_applied"] = weighted
        return {"expected": activate(weighted), "alternatives": alternatives,
                "activator_probe": activator_probe_reference(torch_ref, params["activator"], "forward",
                                                             ACTIVATOR_PROBE)}

    def judge(self, params, inputs, outputs, refs, tol):
        returned = result_of(outputs, "returned", "output_array", "ConvLayer.forward", "ConvLayer")
        label = "the output of ConvLayer.forward"
        verdict = compare_array(label, returned, refs["expected"], tol, refs["alternatives"])
        if not verdict.passed:
            return upstream_cause(verdict, outputs, refs, "activator", f"{params['activator']}.forward")
        verdict = stored_too(outputs, "output_array", returned, "ConvLayer.forward", "ConvLayer")
        if verdict.passed:
            verdict = self._initial(outputs.get("initial", {}), refs["expected"].shape)
        return verdict if not verdict.passed else self._kept(params, inputs, outputs.get("kept"))

    @staticmethod
    def _kept(params, inputs, kept) -> Verdict:
        """What forward must keep for assignment 2 (documented): self.input_array and the zero-padded input."""
        if kept is None:  # an engine whose driver does not report it
            return PASS
        p, x = params["zero_padding"], np.asarray(inputs["input_array"], dtype=np.float64)
        wanted = {"input_array": x, "padded_input_array": np.pad(x, ((0, 0), (p, p), (p, p)))}
        for name, expected in wanted.items():
            if kept.get(name) is None:
                return Verdict.fail(missing_attribute("ConvLayer", name) + " after forward (assignment 2's backward "
                                    "pass reads it; see the docstring).")
            value = as_array(kept[name], f"ConvLayer.{name}")
            if value.array.shape != expected.shape or not np.allclose(value.array, expected):
                return Verdict.fail(f"ConvLayer.{name} after forward is not the "
                                    f"{'input' if name == 'input_array' else 'zero-padded input'} forward was given "
                                    f"(shape {shape_text(value.array.shape)}, expected {shape_text(expected.shape)}).")
        return PASS

    @staticmethod
    def _initial(initial: dict, shape) -> Verdict:
        """The attributes __init__ must set (documented in the stub): output_width, output_height, output_array."""
        k, height, width = shape
        for attribute, expected in (("output_width", width), ("output_height", height)):
            if attribute not in initial:
                return Verdict.fail(missing_attribute("ConvLayer", attribute) + ".")
            value = initial[attribute]
            number = as_array(value, f"ConvLayer.{attribute}")
            if number.array.shape != () or float(number.array) != expected:
                other = height if attribute == "output_width" else width
                mistake = "width_height_swapped" if number.array.shape == () and float(number.array) == other else None
                return Verdict.fail(f"ConvLayer.{attribute} is {value!r} after __init__, expected {expected}: the "
                                    "number of filter positions along that axis (see the docstring).", mistake)
            if not number.dtype.startswith(("int", "uint")):
                return Verdict.fail(f"ConvLayer.{attribute} is {value!r}, a {number.dtype}, expected the int "
                                    f"{expected}.", "float_size")
        if initial.get("output_array") is None:
            return Verdict.fail(missing_attribute("ConvLayer", "output_array") + " (__init__ creates it).")
        created = as_array(initial["output_array"], "ConvLayer.output_array")
        if created.array.shape != tuple(shape):
            return Verdict.fail(f"ConvLayer.output_array has shape {shape_text(created.array.shape)} after __init__, "
                                f"expected {shape_text(shape)} = (filter_number, output_height, output_width).")
        wanted = initial.get("filter_shape")  # what the student's own Filter(filter_width, filter_height, channels) has
        for made in initial.get("filter_shapes", []) if wanted is not None else []:
            if list(made) != list(wanted):
                return Verdict.fail(f"the filters ConvLayer.__init__ creates have weights of shape {shape_text(made)}, "
                                    f"but Filter(filter_width, filter_height, channel_number) has "
                                    f"{shape_text(wanted)}: create each filter with those arguments.")
        return PASS

    def explain(self, params, error):
        """An error names no mistake by elimination: a broadcasting error gets a hint on where to look."""
        if "could not be broadcast" in error:
            return Verdict.fail(error + " (a window or an array has the wrong shape: check the zero padding, the "
                                "stride, and that heights go with rows and widths with columns)")
        return super().explain(params, error)

    def describe(self, params):
        c, h, w = params["input_shape"]
        fh, fw = params["filter_shape"]
        bias = "" if params.get("bias", True) else ", zero biases"
        return (f"input {c}x{h}x{w} (channels x height x width), {params['filter_number']} filter(s) {fh}x{fw} "
                f"(height x width), stride {params['stride']}, zero padding {params['zero_padding']}, "
                f"{params['activator']}{bias}")


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


class ConvUpdateCheck(UpdateCheck):
    """ConvLayer.update(): every filter takes one SGD step with the layer's learning rate (torch.optim.SGD)."""

    name, driver = "conv_update", "conv_update"
    PARAMETERS = (("weights", "weights", "weights_grad", "the filters' weights after update()"),
                  ("bias", "biases", "bias_grad", "the filters' biases after update()"))

    def layer_inputs(self, params, rng) -> dict:
        """The layer's configuration, input, weights and biases (what its forward check generates)."""
        return ConvForwardCheck().generate(params, rng)

    def generate(self, params, rng):
        inputs = self.layer_inputs(params, rng)
        inputs["weights_grad"] = rng.uniform(-1, 1, inputs["weights"].shape)
        inputs["bias_grad"] = rng.uniform(-1, 1, inputs["biases"].shape)
        return inputs

    def updated(self, outputs, key, label):
        return combined(stacked(outputs.get(key, []), key))

    def describe(self, params):
        return f"update() with learning rate {params['learning_rate']}: {ConvForwardCheck().describe(params)}"


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
        for target in self.targets(params):
            _, gradient, what = self.TARGETS[target]
            analytic, truth = self._analytic(target, outputs), refs[target]
            if analytic.shape != truth.shape:
                summed = target == "bias" and analytic.ndim == 3 and same(
                    analytic, np.asarray(inputs["sensitivity_array"], np.float64), tol)
                return Verdict.fail(f"{gradient} has shape {shape_text(analytic.shape)}, expected "
                                    f"{shape_text(truth.shape)}.", "bias_not_summed" if summed else None)
            verdict = gradient_check("ConvLayer.forward", gradient, what, analytic, outputs.get(f"forward_{target}"),
                                     refs[f"forward_{target}"], inputs, inputs[f"directions_{target}"],
                                     params["mode"], tol)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        how = "every component" if params["mode"] == "full" else f"{params.get('directions', 3)} random directions"
        return f"finite differences ({how}): {ConvForwardCheck().describe(params)}"


CHECKS = (FilterInitCheck(), FilterUpdateCheck(), OutputSizeCheck(), ConvForwardCheck(), ConvBackwardCheck(),
          ConvUpdateCheck(), ConvGradcheckCheck())
