"""Pooling: max and mean pooling layers, forward and backward, against torch.

Everything is computed with torch, never re-implemented here (this module ships with releases): the tie
convention comes from max_pool2d on a copy whose ties are broken by a tiny row-major ramp, and what a named
mistake gives comes from torch's unfold (each window's cells) and fold (contributions summed back).
"""

from __future__ import annotations

import numpy as np

from ..finite_differences import perturbed_points
from .base import PASS, Check, Verdict, compare_array, failure, result_of, shape_text, stored_too
from .diagnosis import judge_array, matching_mistakes
from .gradient_checking import FD_STEP, directions_for, gradient_check

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


class _Mistakes:
    """What backward gives when a named mistake is made, from torch's unfold: windows in row-major order (the
    order of a loop over output rows, then columns), each window's cells in row-major order."""

    def __init__(self, torch_ref, params, x, sensitivity):
        self.ref, self.torch, self.F = torch_ref, torch_ref.torch, torch_ref.torch.nn.functional
        self.window, self.stride = tuple(params["filter_shape"]), params["stride"]
        self.shape = x.shape
        c, h, w = x.shape
        self.out_width = (w - self.window[1]) // self.stride + 1
        self.sens = torch_ref.tensor(sensitivity).reshape(c, -1)                            # (C, windows)
        self.cells = self.columns(np.broadcast_to(np.arange(h * w, dtype=np.float64).reshape(1, h, w), x.shape))
        self.cells = self.cells.round().long()                                             # (C, FH*FW, windows)
        self.windows = self.torch.arange(self.sens.shape[1], device=self.sens.device).expand(c, -1)

    def columns(self, x):
        return self.F.unfold(self.ref.tensor(x)[:, None], self.window, stride=self.stride)

    def fold(self, columns) -> np.ndarray:
        return self.ref.numpy(self.F.fold(columns, self.shape[1:], self.window, stride=self.stride)[:, 0])

    def scattered(self, cells) -> np.ndarray:
        """Every window's sensitivity added (+=) at one cell per window, cells (C, windows) as flat indices."""
        flat = self.torch.zeros((self.shape[0], self.shape[1] * self.shape[2]), dtype=self.sens.dtype,
                                device=self.sens.device)
        return self.ref.numpy(flat.scatter_add(1, cells, self.sens).reshape(self.shape))

    def last_writer(self, cells):
        """For each cell, the last window (in loop order) that writes it, -1 for none; cells (C, K, windows)."""
        last = self.torch.full((self.shape[0], self.shape[1] * self.shape[2]), -1, dtype=self.torch.long,
                               device=self.sens.device)
        writers = self.windows[:, None, :].expand_as(cells)
        return last.scatter_reduce(1, cells.reshape(self.shape[0], -1), writers.reshape(self.shape[0], -1), "amax")

    def assigned(self, cells, values, chosen_cell=None) -> np.ndarray:
        """A result written with = instead of +=: each cell keeps the value of the last window that wrote it.

        With chosen_cell, every window writes its whole extent (its sensitivity at its chosen cell, 0 elsewhere)."""
        last = self.last_writer(cells)
        value = values.gather(1, last.clamp(min=0))
        if chosen_cell is not None:
            cell = self.torch.arange(last.shape[1], device=last.device)
            value = value * (chosen_cell.gather(1, last.clamp(min=0)) == cell).double()
        return self.ref.numpy(self.torch.where(last >= 0, value, 0 * value).reshape(self.shape))

    def max_mistakes(self, x, first_max_x) -> dict:
        fh, fw = self.window
        columns = self.columns(x)
        chosen = self.columns(first_max_x).argmax(dim=1)                                   # (C, windows)
        chosen_cell = self.cells.gather(1, chosen[:, None, :])[:, 0, :]
        ties = (columns == columns.max(dim=1, keepdim=True).values).double()
        mistakes = {"max_ties_all": self.fold(ties * self.sens[:, None, :]),
                    "gradient_assigned": [self.assigned(chosen_cell[:, None, :], self.sens),
                                          self.assigned(self.cells, self.sens, chosen_cell)]}
        top = (self.windows // self.out_width) * self.stride
        left = (self.windows % self.out_width) * self.stride
        u, v = chosen // fw, chosen % fw
        wrong = [(top + chosen // fh, left + chosen % fh), (u, v), (top + v, left + u)]
        mistakes["max_wrong_position"] = [self.scattered(row * self.shape[2] + col) for row, col in wrong
                                          if int(row.max()) < self.shape[1] and int(col.max()) < self.shape[2]]
        return mistakes

    def mean_mistakes(self, expected) -> dict:
        size = self.window[0] * self.window[1]
        return {"mean_copied": expected * size, "gradient_assigned": self.assigned(self.cells, self.sens / size)}


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
        returned = result_of(outputs, "returned", "output_array", label, _layer_class(params))
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
        mistakes = _Mistakes(torch_ref, params, x, sens)
        if params["kind"] == "mean":
            expected = pool.gradient(x, sens)
            alternatives = mistakes.mean_mistakes(expected)
        else:
            ramp = np.arange(x.size, dtype=np.float64).reshape(x.shape) * TIE_RAMP
            expected = pool.gradient(x - ramp, sens)  # the first maximum in row-major order wins a tie
            alternatives = {"max_tie_last": pool.gradient(x + ramp, sens), **mistakes.max_mistakes(x, x - ramp)}
        return {"expected": expected, "alternatives": alternatives, "total": float(np.sum(sens))}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"{_layer_class(params)}.backward"
        returned = result_of(outputs, "returned", "delta_array", label, _layer_class(params))
        expected = refs["expected"]
        if params.get("property") == "sum":
            if returned.array.shape != expected.shape:
                return Verdict.fail(f"{label} returned shape {shape_text(returned.array.shape)}, expected "
                                    f"{shape_text(expected.shape)}.")
            total, wanted = float(np.sum(returned.array)), refs["total"]
            if np.isclose(total, wanted, rtol=1e-9, atol=1e-12):
                return PASS
            return failure(f"the gradient's total changed: delta_array sums to {total:.6g}, the sensitivity map to "
                           f"{wanted:.6g}; pooling passes gradients on without creating or losing any.",
                           matching_mistakes(returned.array, expected, refs["alternatives"], tol))
        verdict = judge_array(f"the delta_array of {label}", returned, expected, tol, refs["alternatives"],
                              require_float64=False)
        if not verdict.passed:
            return verdict
        return stored_too(outputs, "delta_array", returned, label, _layer_class(params))

    def describe(self, params):
        what = "the gradient's total" if params.get("property") == "sum" else "backward"
        return f"{what}, {_describe(params)}"


class PoolGradcheckCheck(Check):
    """backward against central differences of the student's own forward (mean pooling is smooth), taken by the
    grader at points it chooses, where every output of the forward is first checked against torch."""

    name, driver = "pool_gradcheck", "pool_gradcheck"
    uses_fd_step = True

    def generate(self, params, rng):
        inputs = pool_inputs(params, rng)
        inputs["directions"] = directions_for(params, rng, inputs["input_array"].shape)
        inputs["fd_step"] = float(params.get("fd_step", FD_STEP))
        inputs["points"] = perturbed_points(inputs["input_array"], inputs["directions"], inputs["fd_step"])
        return inputs

    def references(self, params, inputs, torch_ref):
        pool = _Torch(torch_ref, params)
        return {"gradient": pool.gradient(inputs["input_array"], inputs["sensitivity_array"]),
                "forward": np.stack([pool.forward(point) for point in inputs["points"]])}

    def judge(self, params, inputs, outputs, refs, tol):
        name = _layer_class(params)
        label = f"the delta_array of {name}.backward"
        returned = result_of(outputs, "returned", "delta_array", f"{name}.backward", name)
        if returned.array.shape != refs["gradient"].shape:
            return Verdict.fail(f"{label} has shape {shape_text(returned.array.shape)}, expected "
                                f"{shape_text(refs['gradient'].shape)}.")
        return gradient_check(f"{name}.forward", label, "the input", returned.array, outputs.get("forward"),
                              refs["forward"], inputs, inputs["directions"], params["mode"], tol)

    def describe(self, params):
        how = "every component" if params["mode"] == "full" else f"{params.get('directions', 3)} random directions"
        return f"finite differences ({how}), {_describe(params)}"


CHECKS = (PoolForwardCheck(), PoolBackwardCheck(), PoolGradcheckCheck())
