"""Assignment 5 checks: dilated and transposed convolutional layers (output size, forward, backward, update,
gradient check) against torch's conv2d with dilation and conv_transpose2d, in float64.

params.layer names the layer: 'dilated' (params.dilation) or 'transposed' (params.output_padding). What a named
mistake gives is computed with torch too (this module ships with releases: no numpy re-implementation here).
"""

from __future__ import annotations

import math

import numpy as np

from ..finite_differences import perturbed_points
from ..probes import ACTIVATOR_PROBE
from ..student import StudentError, as_array
from .base import (PASS, Check, Verdict, activator_probe_reference, combined, compare_array, failure, result_of,
                   shape_text, stored_too, upstream_cause)
from .conv import ConvUpdateCheck, stacked
from .diagnosis import judge_array, matching_mistakes, mismatch_message
from .gradient_checking import FD_STEP, ForwardAtPoints, compare_with_finite_differences, directions_for

CLASS_NAMES = {"dilated": "DilatedConvLayer", "transposed": "TransposedConvLayer"}


def class_name(params) -> str:
    return CLASS_NAMES[params["layer"]]


def extra_name(params) -> str:
    """The argument that sets a variant apart from ConvLayer: dilation or output_padding."""
    return "dilation" if params["layer"] == "dilated" else "output_padding"


class VariantTorch:
    """The layer's weighted input and its gradients, from torch (weights in the course's (K, C, FH, FW) layout)."""

    def __init__(self, torch_ref, params):
        self.ref, self.params = torch_ref, params
        self.F = torch_ref.torch.nn.functional

    def weighted(self, x, weights, biases, **change):
        """The layer's weighted input for tensors x (C, H, W), weights (K, C, FH, FW), biases (K,) or None."""
        p = {**self.params, **change}
        if p["layer"] == "dilated":
            return self.F.conv2d(x[None], weights, biases, stride=p["stride"], padding=p["zero_padding"],
                                 dilation=p["dilation"])[0]
        return self.F.conv_transpose2d(x[None], weights.transpose(0, 1), biases, stride=p["stride"],
                                       padding=p["zero_padding"], output_padding=p["output_padding"])[0]

    def output(self, x, weights, biases, **change) -> np.ndarray:
        """The layer's activated output as numpy."""
        ref = self.ref
        z = self.weighted(ref.tensor(x), ref.tensor(weights), ref.tensor(biases), **change)
        return ref.numpy(self.ref.torch.relu(z) if self.params["activator"] == "ReluActivator" else z)

    def gradients(self, x, weights, biases, sensitivity, crop=None) -> tuple:
        """Autograd of sum(sensitivity * weighted input) -> (d input, d weights, d biases).

        crop=(h, w, change) keeps the top-left h x w of the weighted input of the layer changed by `change`."""
        ref = self.ref
        tensors = [ref.tensor(a).requires_grad_() for a in (x, weights, biases)]
        change = crop[2] if crop else {}
        z = self.weighted(*tensors, **change)
        if crop:
            z = z[:, :crop[0], :crop[1]]
        (z * ref.tensor(sensitivity)).sum().backward()
        return tuple(ref.numpy(t.grad) for t in tensors)

    def zero_inserted(self, x, gap: int, tail: int = 0):
        """x (C, H, W) as a tensor with gap - 1 zeros between neighbouring values (and `tail` zero rows and columns
        after the last ones), made with torch's conv_transpose2d and a one-cell kernel."""
        ref = self.ref
        channels = x.shape[0]
        one = ref.torch.ones((channels, 1, 1, 1), dtype=ref.torch.float64, device=ref.device)
        spread = self.F.conv_transpose2d(ref.tensor(x)[None], one, stride=gap, groups=channels)[0]
        return self.F.pad(spread, (0, tail, 0, tail))


def variant_inputs(params, rng) -> dict:
    """Input, weights (K, C, FH, FW), biases, and a sensitivity map of the output's shape."""
    c, h, w = params["input_shape"]
    k, (fh, fw) = params["filter_number"], params["filter_shape"]
    x = rng.uniform(-1, 1, (c, h, w))
    if params.get("previous_activator") == "ReluActivator":
        x = np.maximum(x, 0)
    inputs = {"input_array": x, "weights": rng.uniform(-1, 1, (k, c, fh, fw)), "biases": rng.uniform(-1, 1, k)}
    if not params.get("bias", True):  # a simpler configuration of the smallest-failing search
        inputs["biases"] = np.zeros(k)
    inputs["sensitivity_array"] = rng.uniform(-1, 1, variant_output_shape(params))
    return inputs


def _size(params, n: int, f: int) -> int:
    s, p = params["stride"], params["zero_padding"]
    if params["layer"] == "dilated":
        return (n - params["dilation"] * (f - 1) - 1 + 2 * p) // s + 1
    return (n - 1) * s - 2 * p + f + params["output_padding"]


def variant_output_shape(params) -> tuple[int, int, int]:
    """(filter_number, out_h, out_w): used only to size random sensitivity maps (references come from torch)."""
    _, h, w = params["input_shape"]
    fh, fw = params["filter_shape"]
    return params["filter_number"], _size(params, h, fh), _size(params, w, fw)


def describe_layer(params) -> str:
    c, h, w = params["input_shape"]
    fh, fw = params["filter_shape"]
    return (f"{class_name(params)}: input {c}x{h}x{w} (channels x height x width), {params['filter_number']} filter(s) "
            f"{fh}x{fw} (height x width), stride {params['stride']}, zero padding {params['zero_padding']}, "
            f"{extra_name(params)} {params[extra_name(params)]}, {params['activator']}"
            f"{'' if params.get('bias', True) else ', zero biases'}")


class VariantOutputSizeCheck(Check):
    """calculate_output_size(input_size, filter_size, zero_padding, stride, dilation | output_padding) against the
    size torch's conv2d / conv_transpose2d produce."""

    name, driver = "variant_output_size", "variant_output_size"
    random_inputs = False

    def references(self, params, inputs, torch_ref):
        n, f, p, s = (params[k] for k in ("input_size", "filter_size", "zero_padding", "stride"))
        torch, F = torch_ref.torch, torch_ref.torch.nn.functional
        x = torch.zeros((1, 1, n, 1), dtype=torch.float64)
        kernel = torch.zeros((1, 1, f, 1), dtype=torch.float64)
        if params["layer"] == "dilated":
            d = params["dilation"]
            size = F.conv2d(x, kernel, stride=(s, 1), padding=(p, 0), dilation=(d, 1)).shape[2]
            alternatives = {"dilation_ignored": (n - f + 2 * p) // s + 1}
            # other slips (rounded up, the -1 left out, padding counted once): a size they give too names nothing
            span = d * (f - 1) + 1
            others = [-(-(n - span + 2 * p) // s) + 1, (n - span + 1 + 2 * p) // s + 1, (n - span + p) // s + 1]
        else:
            op = params["output_padding"]
            size = F.conv_transpose2d(x, kernel, stride=(s, 1), padding=(p, 0), output_padding=(op, 0)).shape[2]
            alternatives = {"zeros_after_last": n * s - 2 * p + f - 1 + op}
            # other slips (padding counted once or added, output padding left out): a size they give names nothing
            others = [(n - 1) * s - p + f + op, (n - 1) * s + 2 * p + f + op, (n - 1) * s - 2 * p + f]
        return {"size": int(size), "alternatives": alternatives, "others": others}

    def judge(self, params, inputs, outputs, refs, tol):
        args = ", ".join(str(params[k]) for k in ("input_size", "filter_size", "zero_padding", "stride",
                                                   extra_name(params)))
        label = f"{class_name(params)}.calculate_output_size({args})"
        returned = as_array(outputs.get("size"), label)
        if returned.array.shape != ():
            return Verdict.fail(f"{label} returned an array of shape {shape_text(returned.array.shape)}, expected one "
                                "number.")
        value, expected = float(returned.array), refs["size"]
        if value == expected and not returned.dtype.startswith(("int", "uint")):
            return Verdict.fail(f"{label} returned {value!r}, a {returned.dtype}, expected the int {expected}.",
                                "float_size")
        if value == expected:
            return PASS
        names = [name for name, alt in refs["alternatives"].items() if math.isclose(value, alt) and alt != expected]
        if any(math.isclose(value, other) and other != expected for other in refs.get("others", [])):
            names = []  # one number that another slip gives as well is no evidence for the named one
        return failure(f"{label} returned {value:g}, expected {expected}.", names)

    def describe(self, params):
        return (f"{class_name(params)}.calculate_output_size: input size {params['input_size']}, filter size "
                f"{params['filter_size']}, zero padding {params['zero_padding']}, stride {params['stride']}, "
                f"{extra_name(params)} {params[extra_name(params)]}")


def _initial(name: str, initial: dict, shape) -> Verdict:
    """What __init__ must set (documented in the stub): output_width, output_height (ints) and output_array."""
    _, height, width = shape
    for attribute, expected in (("output_width", width), ("output_height", height)):
        if initial.get(attribute) is None:
            return Verdict.fail(f"{name} has no attribute '{attribute}' after __init__ (the tests read it; see the "
                                "docstring).")
        number = as_array(initial[attribute], f"{name}.{attribute}")
        if number.array.shape != () or float(number.array) != expected:
            return Verdict.fail(f"{name}.{attribute} is {initial[attribute]!r} after __init__, expected {expected}.")
        if not number.dtype.startswith(("int", "uint")):
            return Verdict.fail(f"{name}.{attribute} is {initial[attribute]!r}, a {number.dtype}, expected the int "
                                f"{expected}.", "float_size")
    if initial.get("output_array") is None:
        return Verdict.fail(f"{name} has no attribute 'output_array' after __init__ (__init__ creates it).")
    created = as_array(initial["output_array"], f"{name}.output_array")
    if created.array.shape != tuple(shape):
        return Verdict.fail(f"{name}.output_array has shape {shape_text(created.array.shape)} after __init__, "
                            f"expected {shape_text(shape)} = (filter_number, output_height, output_width).")
    wanted = initial.get("filter_shape")  # what the student's own Filter(filter_width, filter_height, channels) has
    for made in initial.get("filter_shapes", []) if wanted is not None else []:
        if list(made) != list(wanted):
            return Verdict.fail(f"the filters {name}.__init__ creates have weights of shape {shape_text(made)}, but "
                                f"Filter(filter_width, filter_height, channel_number) has {shape_text(wanted)}: create "
                                "each filter with those arguments.")
    return PASS


class VariantForwardCheck(Check):
    """forward against torch: conv2d with dilation, or conv_transpose2d (filter k's weights[c] = torch's
    weight[c, k])."""

    name, driver = "variant_forward", "variant_forward"

    def generate(self, params, rng):
        return variant_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        layer = VariantTorch(torch_ref, params)
        x, w, b = inputs["input_array"], inputs["weights"], inputs["biases"]
        expected = layer.output(x, w, b)
        if params["layer"] == "dilated":
            alternatives = self._dilated_mistakes(layer, params, x, w, b, expected.shape)
        else:
            alternatives = self._transposed_mistakes(layer, params, x, w, b, expected.shape)
        return {"expected": expected, "alternatives": alternatives,
                "activator_probe": activator_probe_reference(torch_ref, params["activator"], "forward",
                                                             ACTIVATOR_PROBE)}

    @staticmethod
    def _activate(layer, params, z):
        return layer.ref.torch.relu(z) if params["activator"] == "ReluActivator" else z

    def _dilated_mistakes(self, layer, params, x, w, b, shape) -> dict:
        d, p = params["dilation"], params["zero_padding"]
        if d == 1:
            return {}
        ref, F = layer.ref, layer.F
        # the taps next to each other (a larger output, of which code with the right size keeps the top-left block)
        mistakes = {"dilation_ignored": layer.output(x, w, b, dilation=1)}
        # zeros inserted between the input's values (padded before or after), the kernel as it is; code with the
        # right output size keeps the top-left block
        padded = np.pad(x, ((0, 0), (p, p), (p, p)))
        on_input = []
        for spread in (layer.zero_inserted(padded, d), F.pad(layer.zero_inserted(x, d), (p, p, p, p))):
            if spread.shape[-2] >= w.shape[-2] and spread.shape[-1] >= w.shape[-1]:
                z = F.conv2d(spread[None], ref.tensor(w), ref.tensor(b), stride=params["stride"])[0]
                if z.shape[-2] >= shape[-2] and z.shape[-1] >= shape[-1]:
                    on_input.append(ref.numpy(self._activate(layer, params, z[:, :shape[-2], :shape[-1]])))
        mistakes["dilation_on_input"] = on_input
        return mistakes

    def _transposed_mistakes(self, layer, params, x, w, b, shape) -> dict:
        ref, F = layer.ref, layer.F
        s, p, op = params["stride"], params["zero_padding"], params["output_padding"]
        mistakes = {"transposed_kernel_not_rotated": layer.output(x, np.flip(w, (-2, -1)), b)}
        if s > 1:  # S*H x S*W zero-inserted input: S - 1 more rows and columns, the output cut to P on each side
            full = layer.weighted(ref.tensor(x), ref.tensor(w), None, zero_padding=0, output_padding=0)
            full = F.pad(full, (0, op + s - 1, 0, op + s - 1))
            z = full[:, p:p + shape[1] + s - 1, p:p + shape[2] + s - 1] + ref.tensor(b)[:, None, None]
            mistakes["zeros_after_last"] = ref.numpy(self._activate(layer, params, z))
        return mistakes

    def judge(self, params, inputs, outputs, refs, tol):
        name = class_name(params)
        returned = result_of(outputs, "returned", "output_array", f"{name}.forward", name)
        label, expected = f"the output of {name}.forward", refs["expected"]
        single = {k: v for k, v in refs["alternatives"].items() if not isinstance(v, list)}
        verdict = compare_array(label, returned, expected, tol, single)
        if not verdict.passed and verdict.mistake is None and "could be any of" not in verdict.message:
            variants = {k: v for k, v in refs["alternatives"].items() if isinstance(v, list)}
            names = matching_mistakes(returned.array, expected, variants, tol)
            verdict = failure(mismatch_message(label, returned.array, expected, tol), names) if names else verdict
        if not verdict.passed:
            return upstream_cause(verdict, outputs, refs, "activator", f"{params['activator']}.forward")
        verdict = stored_too(outputs, "output_array", returned, f"{name}.forward", name)
        return verdict if not verdict.passed else _initial(name, outputs.get("initial", {}), refs["expected"].shape)

    def describe(self, params):
        return describe_layer(params)


class VariantBackwardCheck(Check):
    """bp_sensitivity_map, bp_gradient or backward against torch autograd of the layer's weighted input."""

    name, driver = "variant_backward", "variant_backward"

    def generate(self, params, rng):
        return variant_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        layer = VariantTorch(torch_ref, params)
        x, w, b, sens = (inputs[k] for k in ("input_array", "weights", "biases", "sensitivity_array"))
        relu = params["previous_activator"] == "ReluActivator"
        derivative = (x > 0).astype(np.float64) if relu else np.ones_like(x)
        dx, dw, db = layer.gradients(x, w, b, sens)
        delta_alternatives, weights_alternatives = {}, {"gradient_rotated": np.flip(dw, (-2, -1))}
        if params["layer"] == "dilated" and params["dilation"] > 1:
            ignored = layer.gradients(x, w, b, sens, crop=(*sens.shape[1:], {"dilation": 1}))
            delta_alternatives["dilation_ignored"] = ignored[0] * derivative
            weights_alternatives["dilation_ignored"] = ignored[1]
        if relu:
            delta_alternatives["activator_derivative_missing"] = dx
        return {"delta": dx * derivative, "weights_grad": dw, "bias_grad": db,
                "delta_alternatives": delta_alternatives, "weights_alternatives": weights_alternatives,
                "bias_alternatives": {"bias_not_summed": sens.mean(axis=(1, 2))},
                "previous_activator_probe": activator_probe_reference(torch_ref, params["previous_activator"],
                                                                      "backward", ACTIVATOR_PROBE)}

    def _delta(self, params, outputs, refs, tol) -> Verdict:
        name = class_name(params)
        if params["method"] == "bp_sensitivity_map":
            value = result_of(outputs, "returned_delta", "delta_array", f"{name}.bp_sensitivity_map", name)
            verdict = judge_array(f"the delta_array of {name}.bp_sensitivity_map", value, refs["delta"], tol,
                                  refs["delta_alternatives"])
            return verdict if not verdict.passed else stored_too(outputs, "delta_array", value,
                                                                 "bp_sensitivity_map", name)
        if outputs.get("delta_array") is None:
            raise StudentError(f"{name}.backward did not set self.delta_array: the tests read `delta_array` after "
                               "backward (see the docstring)")
        value = as_array(outputs.get("delta_array"), f"{name}.delta_array after backward")
        return judge_array(f"{name}.delta_array after backward", value, refs["delta"], tol, refs["delta_alternatives"])

    def _gradients(self, outputs, refs, tol) -> Verdict:
        weights = combined(stacked(outputs.get("weights_grad", []), "weights_grad"))
        verdict = judge_array("the filters' weights_grad", weights, refs["weights_grad"], tol,
                              refs["weights_alternatives"])
        if not verdict.passed:
            return verdict
        biases = [as_array(v, f"bias_grad of filter {i}") for i, v in enumerate(outputs.get("bias_grad", []))]
        if any(b.array.shape != () for b in biases):
            return Verdict.fail("a filter's bias_grad is not one number: it is the sum of that filter's sensitivity "
                                "map.")
        return judge_array("the filters' bias_grad", combined(biases), refs["bias_grad"], tol,
                           refs["bias_alternatives"], require_float64=False)

    def judge(self, params, inputs, outputs, refs, tol):
        if params["method"] == "bp_gradient":
            return self._gradients(outputs, refs, tol)
        verdict = upstream_cause(self._delta(params, outputs, refs, tol), outputs, refs, "previous_activator",
                                 f"{params['previous_activator']}.backward")
        if not verdict.passed or params["method"] == "bp_sensitivity_map":
            return verdict
        return self._gradients(outputs, refs, tol)

    def describe(self, params):
        return (f"{params['method']}: {describe_layer(params)}, previous layer's activator "
                f"{params['previous_activator']}")


class VariantUpdateCheck(ConvUpdateCheck):
    """update(): every filter takes one SGD step with the layer's learning rate (torch.optim.SGD), as ConvLayer's."""

    name, driver = "variant_update", "variant_update"

    def layer_inputs(self, params, rng) -> dict:
        return variant_inputs(params, rng)

    def describe(self, params):
        return f"update() with learning rate {params['learning_rate']}: {describe_layer(params)}"


class VariantGradcheckCheck(Check):
    """The student's gradients against central differences of the student's own forward, taken by the grader at
    points it chooses, where every output of the forward is first checked against torch."""

    name, driver = "variant_gradcheck", "variant_gradcheck"
    uses_fd_step = True
    TARGETS = {"input": ("input_array", "delta_array", "the input"),
               "weights": ("weights", "weights_grad", "the weights"), "bias": ("biases", "bias_grad", "the biases")}

    def generate(self, params, rng):
        inputs = variant_inputs(params, rng)
        step = float(params.get("fd_step", FD_STEP))
        for target, (key, _, _) in self.TARGETS.items():
            inputs[f"directions_{target}"] = directions_for(params, rng, inputs[key].shape)
            inputs[f"points_{target}"] = perturbed_points(inputs[key], inputs[f"directions_{target}"], step)
        inputs["fd_step"] = step
        return inputs

    def references(self, params, inputs, torch_ref):
        layer = VariantTorch(torch_ref, params)
        x, w, b = inputs["input_array"], inputs["weights"], inputs["biases"]
        dx, dw, db = layer.gradients(x, w, b, inputs["sensitivity_array"])
        refs = {"input": dx, "weights": dw, "bias": db}
        for target in self.TARGETS:
            arguments = [{"input": (point, w, b), "weights": (x, point, b), "bias": (x, w, point)}[target]
                         for point in inputs[f"points_{target}"]]
            refs[f"forward_{target}"] = np.stack([layer.output(*a) for a in arguments])
        return refs

    def judge(self, params, inputs, outputs, refs, tol):
        name = class_name(params)
        at_points = ForwardAtPoints(f"{name}.forward", inputs["sensitivity_array"], float(inputs["fd_step"]))
        for target, (_, gradient, what) in self.TARGETS.items():
            if target == "input":
                if outputs.get("delta_array") is None:
                    raise StudentError(f"{name}.backward did not set self.delta_array (see the docstring)")
                analytic = as_array(outputs["delta_array"], f"{name}.delta_array after backward").array
            else:
                analytic = np.stack([v.array for v in stacked(outputs.get(gradient, []), gradient)])
            if analytic.shape != refs[target].shape:
                return Verdict.fail(f"{gradient} has shape {shape_text(analytic.shape)}, expected "
                                    f"{shape_text(refs[target].shape)}.")
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
        return f"finite differences ({how}): {describe_layer(params)}"


CHECKS = (VariantOutputSizeCheck(), VariantForwardCheck(), VariantBackwardCheck(), VariantUpdateCheck(),
                       VariantGradcheckCheck())
