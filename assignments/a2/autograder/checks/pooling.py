"""Assignment 3 checks: max and mean pooling, forward and backward, against torch.

Everything is computed with torch, never re-implemented here (this module ships with releases): the tie
convention comes from max_pool2d on a copy whose ties are broken by a tiny row-major ramp, and how many windows
feed each input position comes from the backward pass of a map of ones.
"""

from __future__ import annotations

import numpy as np

from ..finite_differences import orthonormal_directions, random_directions
from ..student import as_array
from .backprop import compare_with_finite_differences
from .base import PASS, Check, Verdict, compare_array, shape_text, stored_too

TIE_RAMP = 1e-9  # far below the gaps between distinct values (multiples of 0.5), far above float64 rounding


def pool_output_shape(params) -> tuple[int, int, int]:
    c, h, w = params["input_shape"]
    (fh, fw), s = params["filter_shape"], params["stride"]
    return c, (h - fh) // s + 1, (w - fw) // s + 1


def pool_inputs(params, rng) -> dict:
    """An input without ties (or, for a tie case, with many) and a sensitivity map."""
    shape = tuple(params["input_shape"])
    if params.get("ties"):
        x = rng.integers(0, 3, shape) * 0.5  # few distinct values: most windows hold several maxima
    else:
        x = rng.permutation(np.arange(np.prod(shape)) / np.prod(shape)).reshape(shape) + rng.uniform(0, 1e-3, shape)
    return {"input_array": x, "sensitivity_array": rng.uniform(-1, 1, pool_output_shape(params))}


class _Torch:
    """The pooling functions of torch, by the course's names."""

    def __init__(self, torch_ref, params):
        self.ref, self.params = torch_ref, params
        self.function = (torch_ref.torch.nn.functional.max_pool2d if params["kind"] == "max"
                         else torch_ref.torch.nn.functional.avg_pool2d)

    def forward(self, x, stride=None, ceil_mode=False, kind=None):
        function = self.function if kind is None else (self.ref.torch.nn.functional.max_pool2d if kind == "max"
                                                       else self.ref.torch.nn.functional.avg_pool2d)
        out = function(self.ref.tensor(x)[None], tuple(self.params["filter_shape"]),
                       stride=stride or self.params["stride"], ceil_mode=ceil_mode)
        return self.ref.numpy(out[0])

    def gradient(self, x, sensitivity):
        t = self.ref.tensor(x).requires_grad_()
        out = self.function(t[None], tuple(self.params["filter_shape"]), stride=self.params["stride"])[0]
        (out * self.ref.tensor(sensitivity)).sum().backward()
        return self.ref.numpy(t.grad)


def _layer_class(params) -> str:
    return "MaxPoolingLayer" if params["kind"] == "max" else "MeanPoolingLayer"


def _describe(params) -> str:
    c, h, w = params["input_shape"]
    fh, fw = params["filter_shape"]
    ties = ", with ties" if params.get("ties") else ""
    return (f"{_layer_class(params)}: input {c}x{h}x{w} (channels x height x width), window {fh}x{fw} "
            f"(height x width), stride {params['stride']}{ties}")


class PoolForwardCheck(Check):
    """forward against torch's max_pool2d / avg_pool2d (floor mode)."""

    name, driver = "pool_forward", "pool_forward"

    def generate(self, params, rng):
        return pool_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        pool, x = _Torch(torch_ref, params), inputs["input_array"]
        expected = pool.forward(x)
        other = "mean" if params["kind"] == "max" else "max"
        alternatives = {f"{other}_instead_of_{params['kind']}": pool.forward(x, kind=other)}
        ceil = pool.forward(x, ceil_mode=True)
        if ceil.shape != expected.shape:
            alternatives["output_size_off_by_one"] = ceil
        if params["stride"] > 1:
            alternatives["stride_ignored"] = pool.forward(x, stride=1)
        return {"expected": expected, "alternatives": alternatives}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"{_layer_class(params)}.forward"
        returned = as_array(outputs.get("returned"), label)
        verdict = compare_array(f"the output of {label}", returned, refs["expected"], tol, refs["alternatives"],
                                require_float64=False)
        if not verdict.passed:
            return verdict
        return stored_too(outputs, "output_array", returned, label, _layer_class(params))

    def describe(self, params):
        return _describe(params)


class PoolBackwardCheck(Check):
    """backward against torch autograd (tie-free inputs) or the stated tie convention (first maximum in
    row-major order); params.property == 'sum' checks only that the gradient's total is preserved."""

    name, driver = "pool_backward", "pool_backward"

    def generate(self, params, rng):
        return pool_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        pool, x, sens = _Torch(torch_ref, params), inputs["input_array"], inputs["sensitivity_array"]
        if params.get("ties"):
            ramp = np.arange(x.size, dtype=np.float64).reshape(x.shape) * TIE_RAMP
            expected, last = pool.gradient(x - ramp, sens), pool.gradient(x + ramp, sens)
        else:
            expected, last = pool.gradient(x, sens), None
        size = params["filter_shape"][0] * params["filter_shape"][1]
        # how many windows send a contribution to each input position
        contributions = pool.gradient(x - ramp if params.get("ties") else x, np.ones_like(sens))
        if params["kind"] == "mean":
            contributions = contributions * size
        alternatives = {"mean_copied": expected * size} if params["kind"] == "mean" else {}
        if last is not None:
            alternatives["max_tie_last"] = last
        return {"expected": expected, "contributions": contributions, "alternatives": alternatives,
                "total": float(np.sum(sens))}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"{_layer_class(params)}.backward"
        returned = as_array(outputs.get("returned"), label)
        expected = refs["expected"]
        if params.get("property") == "sum":
            if returned.array.shape != expected.shape:
                return Verdict.fail(f"{label} returned shape {shape_text(returned.array.shape)}, expected "
                                    f"{shape_text(expected.shape)}.")
            total, wanted = float(np.sum(returned.array)), refs["total"]
            if np.isclose(total, wanted, rtol=1e-9, atol=1e-12):
                return PASS
            window = params["filter_shape"][0] * params["filter_shape"][1]
            mistake = "mean_copied" if np.isclose(total, wanted * window, rtol=1e-9) else None
            return Verdict.fail(f"the gradient's total changed: delta_array sums to {total:.6g}, the sensitivity map "
                                f"to {wanted:.6g}; pooling passes gradients on without creating or losing any.", mistake)
        verdict = compare_array(f"the delta_array of {label}", returned, expected, tol, refs["alternatives"],
                                require_float64=False)
        if verdict.passed:
            return stored_too(outputs, "delta_array", returned, label, _layer_class(params))
        if verdict.mistake or returned.array.shape != expected.shape:
            return verdict
        wrong = ~np.isclose(returned.array, expected, rtol=tol.rtol, atol=tol.atol)
        if np.all(refs["contributions"][wrong] > 1):
            return Verdict.fail(verdict.message, "gradient_assigned")
        if params["kind"] == "max" and np.isclose(np.sum(returned.array), refs["total"], rtol=1e-9, atol=1e-12):
            return Verdict.fail(verdict.message, "max_wrong_position")
        return verdict

    def describe(self, params):
        what = "the gradient's total" if params.get("property") == "sum" else "backward"
        return f"{what}, {_describe(params)}"


class PoolGradcheckCheck(Check):
    """backward against central differences of the student's own forward (mean pooling is smooth)."""

    name, driver = "pool_gradcheck", "pool_gradcheck"

    def generate(self, params, rng):
        inputs = pool_inputs(params, rng)
        shape = inputs["input_array"].shape
        inputs["directions"] = (orthonormal_directions(rng, shape) if params["mode"] == "full"
                                else random_directions(rng, shape, params.get("directions", 3)))
        return inputs

    def references(self, params, inputs, torch_ref):
        return {"gradient": _Torch(torch_ref, params).gradient(inputs["input_array"], inputs["sensitivity_array"])}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"the delta_array of {_layer_class(params)}.backward"
        returned = as_array(outputs.get("returned"), f"{_layer_class(params)}.backward")
        if returned.array.shape != refs["gradient"].shape:
            return Verdict.fail(f"{label} has shape {shape_text(returned.array.shape)}, expected "
                                f"{shape_text(refs['gradient'].shape)}.")
        return compare_with_finite_differences(label, returned.array, np.asarray(outputs["numerical"], np.float64),
                                               inputs["directions"], params["mode"], refs["gradient"], tol.fd)

    def describe(self, params):
        how = "every component" if params["mode"] == "full" else f"{params.get('directions', 3)} random directions"
        return f"finite differences ({how}), {_describe(params)}"


POOLING_CHECKS = (PoolForwardCheck(), PoolBackwardCheck(), PoolGradcheckCheck())
