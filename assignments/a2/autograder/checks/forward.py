"""Assignment 1 checks: activators, filters, output sizes, the conv forward pass, numeric answers."""

from __future__ import annotations

import math

import numpy as np

from ..probes import ACTIVATOR_PROBE
from ..student import as_array, missing_attribute
from .base import (PASS, Check, Verdict, activator_probe_reference, compare_array, failure, result_of, shape_text,
                   stored_too, update_mistakes, upstream_cause)


def _nonzero(rng, shape, low=0.1, high=2.0):
    """Random values bounded away from 0, so ReLU's kink never decides a test by accident."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


class ActivatorCheck(Check):
    """forward / backward of ReluActivator or IdentityActivator, on an array or a scalar."""

    name, driver = "activator", "activator"

    def generate(self, params, rng):
        shape = tuple(params.get("shape", ()))
        if params["method"] == "forward":
            value = _nonzero(rng, shape)
        elif params["activator"] == "ReluActivator":
            # outputs of ReLU: exact zeros on purpose, the derivative at output 0 must be 0
            value = np.where(rng.random(shape) < 0.4, 0.0, rng.uniform(0.1, 2.0, shape))
        else:
            value = _nonzero(rng, shape)
        if params.get("scalar") == "int":
            return {"value": int(np.round(value * 3)) or -2}
        if params.get("scalar") == "float":
            return {"value": float(value)}
        return {"value": value}

    def references(self, params, inputs, torch_ref):
        x = np.asarray(inputs["value"], dtype=np.float64)
        relu, forward = params["activator"] == "ReluActivator", params["method"] == "forward"
        if forward:
            expected = torch_ref.relu(x) if relu else torch_ref.numpy(torch_ref.tensor(x).clone())
            alternatives = {"relu_not_applied": x, "relu_abs": np.abs(x), "relu_min": np.minimum(x, 0),
                            "derivative_instead_of_value": 1.0 * (x > 0)} if relu else {}
        else:
            t = torch_ref.tensor(x)
            expected = torch_ref.numpy((t > 0).double() if relu else torch_ref.torch.ones_like(t))
            alternatives = ({"relu_derivative_at_zero": 1.0 * (x >= 0), "value_instead_of_derivative": x,
                             "identity_derivative": np.ones_like(x)} if relu
                            else {"value_instead_of_derivative": x})
        return {"expected": expected, "alternatives": alternatives}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"{params['activator']}.{params['method']}"
        returned = as_array(outputs.get("result"), label)
        verdict = compare_array(label, returned, refs["expected"], tol, refs["alternatives"], require_float64=False)
        if verdict.passed and isinstance(inputs["value"], np.ndarray):
            after = as_array(outputs.get("input_after"), f"the array passed to {label}")
            if not np.array_equal(after.array, np.asarray(inputs["value"])):
                return Verdict.fail(f"{label} returned the right values but changed the array it was given.",
                                    "modified_input")
        return verdict

    def describe(self, params):
        what = f"a {params['scalar']} scalar" if params.get("scalar") else f"an array of shape {shape_text(params['shape'])}"
        return f"{params['activator']}.{params['method']} on {what}"


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


class FilterUpdateCheck(Check):
    """Filter.update(learning_rate): one SGD step on weights and bias, compared with torch.optim.SGD."""

    name, driver = "filter_update", "filter_update"

    def generate(self, params, rng):
        shape = (params["depth"], params["height"], params["width"])
        return {"weights": rng.uniform(-1, 1, shape), "bias": float(rng.uniform(-1, 1)),
                "weights_grad": _nonzero(rng, shape), "bias_grad": float(_nonzero(rng, ()))}

    def references(self, params, inputs, torch_ref):
        lr = params["learning_rate"]
        w, b, gw, gb = (inputs[k] for k in ("weights", "bias", "weights_grad", "bias_grad"))
        weights, bias = torch_ref.sgd_step([w, b], [gw, gb], lr)
        return {"weights": weights, "bias": bias,
                "weights_alternatives": update_mistakes(w, gw, lr, "weights_not_updated"),
                "bias_alternatives": update_mistakes(b, gb, lr, "bias_not_updated")}

    def judge(self, params, inputs, outputs, refs, tol):
        for key, label in (("weights", "Filter.weights after update()"), ("bias", "Filter.bias after update()")):
            verdict = compare_array(label, as_array(outputs.get(key), label), refs[key], tol,
                                    refs[f"{key}_alternatives"], require_float64=False)
            if not verdict.passed:
                return verdict
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


class AnswerCheck(Check):
    """A numeric answer computed with torch: a conv layer's output shape or parameter count, or the shifts a
    max-pooled map is invariant to."""

    name, driver = "answer", "answer"
    random_inputs = False

    def references(self, params, inputs, torch_ref):
        if params.get("format_only"):
            return {}  # public form checks must not ship the answer
        if params["quantity"] == "invariant_shifts":
            return self._invariant_shifts(params, torch_ref)
        g = params["layer"]
        c, h, w = g["input_shape"]
        fh, fw = g["filter_shape"]
        k = g["filter_number"]
        if params["quantity"] == "output_shape":
            shape = torch_ref.conv_layer_shape((c, h, w), k, fh, fw, g["zero_padding"], g["stride"])
            return {"value": list(shape), "alternatives": {"shape_order": [shape[1], shape[2], shape[0]],
                                                           "width_height_swapped": [shape[0], shape[2], shape[1]]}}
        count = torch_ref.conv_parameter_count(c, k, fh, fw)
        return {"value": count, "alternatives": {"parameters_without_bias": k * c * fh * fw,
                                                 "parameters_without_channels": k * fh * fw + k}}

    @staticmethod
    def _invariant_shifts(params, torch_ref) -> dict:
        """The horizontal shifts of a one-pixel image after which max pooling gives the same map (torch)."""
        shape, (row, col) = params["image"]["shape"], params["image"]["pixel"]
        pool = lambda image: torch_ref.torch.nn.functional.max_pool2d(  # noqa: E731
            torch_ref.tensor(image)[None], tuple(params["pool"]["window"]), stride=params["pool"]["stride"])

        def image(shift):
            x = np.zeros(shape)
            if 0 <= col + shift < shape[-1]:
                x[..., row, col + shift] = 1.0
            return x

        base = pool(image(0))
        same = [s for s in params["shifts"] if bool(torch_ref.torch.equal(pool(image(s)), base))]
        return {"value": same, "alternatives": {"invariance_shifts": [s for s in same if s != 0]}}

    def _judge_shifts(self, name, value, params, refs) -> Verdict:
        if not isinstance(value, (list, tuple, set)) or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            return Verdict.fail(f"{name} should be a list of ints (shifts), got {value!r}.")
        if params.get("format_only"):
            return PASS
        actual = sorted({int(v) for v in value})
        if actual == refs["value"]:
            return PASS
        mistake = next((m for m, alt in refs["alternatives"].items() if alt == actual), None)
        return Verdict.fail(f"{name} = {value!r} is not right.", mistake)

    def judge(self, params, inputs, outputs, refs, tol):
        name, value = params["name"], outputs.get("value")
        if value is None or value is Ellipsis:
            return Verdict.fail(f"{name} is not implemented yet: it is still {value!r}; assign your answer to it.")
        if params["quantity"] == "invariant_shifts":
            return self._judge_shifts(name, value, params, refs)
        if not isinstance(value, (int, float, np.integer, np.floating, tuple, list, np.ndarray)) or isinstance(value, bool):
            wanted = "a tuple of three ints (filters, height, width)" if params["quantity"] == "output_shape" else "an int"
            return Verdict.fail(f"{name} should be {wanted}, got {value!r} ({type(value).__name__}).")
        returned = as_array(value, name)
        if params["quantity"] == "output_shape":
            if returned.kind not in ("list", "array") or returned.array.shape != (3,):
                return Verdict.fail(f"{name} should be a tuple of three ints (filters, height, width), got {value!r}.")
        elif returned.array.shape != ():
            return Verdict.fail(f"{name} should be one int, got {value!r}.")
        # an answer is a number: 1216.0 is the int 1216 (methods whose contract is an int are stricter)
        if not np.all(np.isfinite(returned.array)) or not np.all(returned.array == np.round(returned.array)):
            return Verdict.fail(f"{name} should be made of whole numbers (ints), got {value!r}.")
        if params.get("format_only"):
            return PASS
        actual, expected = [int(v) for v in returned.array.ravel()], refs["value"]
        actual = actual if returned.array.shape else actual[0]
        if actual == expected:
            return PASS
        names = [m for m, alt in refs["alternatives"].items() if alt == actual and alt != expected]
        return failure(f"{name} = {value!r} is not right.", names)

    def describe(self, params):
        return f"the value of {params['name']}" if not params.get("format_only") else f"the form of {params['name']}"


FORWARD_CHECKS = (ActivatorCheck(), FilterInitCheck(), FilterUpdateCheck(), OutputSizeCheck(), ConvForwardCheck(),
                  AnswerCheck())
