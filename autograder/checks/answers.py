"""Numeric answers of any assignment: a conv layer's output shape or parameter count, invariant shifts, ..."""

from __future__ import annotations

import numpy as np

from ..student import as_array
from .base import PASS, Check, Verdict, failure


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


CHECKS = (AnswerCheck(),)
