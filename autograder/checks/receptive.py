"""Assignment 5 checks: receptive fields of convolution stacks and the cost of an Inception-style branch.

Receptive fields are measured with torch, not computed by a formula here (this module ships with releases): a 1-d
stack of convolutions with all-ones weights and no nonlinearity, on an input of ones; the gradient of one interior
output reaches exactly the inputs in its field, so the field's size is the extent from the first to the last input
with a non-zero gradient, and its jump is how far that extent moves for the next output. Costs are counted from
torch modules: multiplications with torch's FLOP counter, parameters from the modules' tensors.
"""

from __future__ import annotations

import numpy as np

from .base import PASS, Check, Verdict, failure

MAX_LENGTH = 1 << 16  # longest 1-d input tried; far more than any stack of the course needs


def measured_field(torch_ref, layers) -> tuple[int, int]:
    """(size, jump) of the receptive field of one interior output of a 1-d stack of (kernel, stride, dilation)."""
    torch = torch_ref.torch
    F = torch.nn.functional
    length = 16
    while length <= MAX_LENGTH:
        x = torch.ones((1, 1, length), dtype=torch.float64, requires_grad=True)
        y = x
        try:
            for k, s, d in layers:
                y = F.conv1d(y, torch.ones((1, 1, int(k)), dtype=torch.float64), stride=int(s), dilation=int(d))
        except RuntimeError:  # the input is shorter than the stack's field
            y = None
        if y is not None and y.shape[-1] >= 3:
            break
        length *= 2
    else:
        raise ValueError(f"stack too deep to measure: {layers}")
    middle = y.shape[-1] // 2
    firsts = []
    size = None
    for index in (middle, middle + 1):
        (gradient,) = torch.autograd.grad(y[0, 0, index], x, retain_graph=True)
        touched = torch.nonzero(gradient[0, 0]).flatten()
        first, last = int(touched[0]), int(touched[-1])
        size = size or last - first + 1
        firsts.append(first)
    return size, firsts[1] - firsts[0]


def random_layers(rng, count) -> list[list[int]]:
    """`count` random (kernel, stride, dilation) layers: kernels 1-5, strides 1-3, dilations 1-3."""
    return [[int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 4))] for _ in range(count)]


def _pair(value, name) -> tuple[int, int] | Verdict:
    """The student's (size, jump) as two ints, or the verdict saying what is wrong with its form."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return Verdict.fail(f"{name} should be a tuple (size, jump) of two ints, got {value!r}.")
    numbers = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or v != int(v):
            return Verdict.fail(f"{name} should be a tuple (size, jump) of two ints, got {value!r}.")
        numbers.append(int(v))
    return numbers[0], numbers[1]


def _layers_text(layers) -> str:
    return "[" + ", ".join(f"({k}, {s}, {d})" for k, s, d in layers) + "]"


class ReceptiveFieldCheck(Check):
    """receptive_field(layers) -> (size, jump) against the field measured with torch on the same stack."""

    name, driver = "receptive_field", "receptive_field"

    def generate(self, params, rng):
        if "layers" in params:
            return {"layers": [list(layer) for layer in params["layers"]]}
        return {"layers": random_layers(rng, int(rng.integers(params["depth"][0], params["depth"][1] + 1)))}

    def references(self, params, inputs, torch_ref):
        layers = inputs["layers"]
        size, jump = measured_field(torch_ref, layers)
        unstrided = measured_field(torch_ref, [[k, 1, d] for k, _, d in layers])[0]
        return {"value": [size, jump], "alternatives": {"rf_strides_ignored": [[unstrided, jump], [unstrided, 1]]}}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"receptive_field({_layers_text(inputs['layers'])})"
        pair = _pair(outputs.get("value"), label)
        if isinstance(pair, Verdict):
            return pair
        expected = tuple(refs["value"])
        if pair == expected:
            return PASS
        names = [name for name, variants in refs["alternatives"].items()
                 if any(tuple(v) == pair and tuple(v) != expected for v in variants)]
        return failure(f"{label} returned {pair}, expected {expected} (size, jump).", names)

    def describe(self, params):
        if "layers" in params:
            return f"receptive_field of the stack {_layers_text(params['layers'])} (kernel, stride, dilation)"
        low, high = params["depth"]
        return f"receptive_field of random stacks of {low} to {high} layers (kernels 1-5, strides 1-3, dilations 1-3)"


class ReceptiveAnswerCheck(Check):
    """A (size, jump) answer for a stack named in the notebook, against the field measured with torch."""

    name, driver = "receptive_answer", "answer"
    random_inputs = False

    def references(self, params, inputs, torch_ref):
        if params.get("format_only"):
            return {}  # public form checks must not ship the answer
        return {"value": list(measured_field(torch_ref, params["layers"]))}

    def judge(self, params, inputs, outputs, refs, tol):
        name, value = params["name"], outputs.get("value")
        if value is None or value is Ellipsis:
            return Verdict.fail(f"{name} is not implemented yet: it is still {value!r}; assign your answer to it.")
        pair = _pair(value, name)
        if isinstance(pair, Verdict):
            return pair
        if params.get("format_only") or pair == tuple(refs["value"]):
            return PASS
        return Verdict.fail(f"{name} = {value!r} is not right.")

    def describe(self, params):
        return f"the value of {params['name']}" if not params.get("format_only") else f"the form of {params['name']}"


def branch_cost(torch_ref, input_shape, filters, kernel, reduction) -> tuple[int, int]:
    """(multiplications, parameters) of the branch, counted on torch modules (meta tensors: nothing computed)."""
    torch = torch_ref.torch
    from torch.utils.flop_counter import FlopCounterMode

    channels = int(input_shape[0])
    modules = []
    if reduction:  # None, or the channels of the 1x1 reduction
        modules.append(torch.nn.Conv2d(channels, int(reduction), 1))
        channels = int(reduction)
    modules.append(torch.nn.Conv2d(channels, int(filters), int(kernel), padding="same"))
    branch = torch.nn.Sequential(*modules).to(device="meta", dtype=torch.float64)
    with FlopCounterMode(display=False) as counter:
        branch(torch.zeros((1, *[int(n) for n in input_shape]), dtype=torch.float64, device="meta"))
    # the counter counts a multiply and an add per multiplication
    return int(counter.get_total_flops()) // 2, int(sum(p.numel() for p in branch.parameters()))


class BottleneckCostCheck(Check):
    """bottleneck_cost(input_shape, filters, kernel[, reduction]) against the modules' costs counted with torch."""

    name, driver = "bottleneck_cost", "bottleneck_cost"

    def generate(self, params, rng):
        if "input_shape" in params:
            return {key: params.get(key) for key in ("input_shape", "filters", "kernel", "reduction")}
        channels = int(rng.integers(16, 257))
        reduction = int(rng.integers(4, channels // 2)) if params.get("reduced") else None
        return {"input_shape": [channels, int(rng.integers(7, 33)), int(rng.integers(7, 33))],
                "filters": int(rng.integers(8, 129)), "kernel": int(rng.choice([1, 3, 5, 7])), "reduction": reduction}

    def references(self, params, inputs, torch_ref):
        reduction = inputs.get("reduction")
        mults, count = branch_cost(torch_ref, inputs["input_shape"], inputs["filters"], inputs["kernel"], reduction)
        biases = int(inputs["filters"]) + (int(reduction) if reduction is not None else 0)
        return {"value": [mults, count], "alternatives": {"parameters_without_bias": [mults, count - biases]}}

    def judge(self, params, inputs, outputs, refs, tol):
        reduction = inputs.get("reduction")
        args = f"{tuple(inputs['input_shape'])}, {inputs['filters']}, {inputs['kernel']}"
        label = f"bottleneck_cost({args}{'' if reduction is None else f', {reduction}'})"
        value = outputs.get("value")
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if (not isinstance(value, (tuple, list)) or len(value) != 2
                or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in value)):
            return Verdict.fail(f"{label} should return a tuple (multiplications, parameters) of two ints, got "
                                f"{value!r}.")
        pair, expected = [int(v) for v in value], refs["value"]
        if pair == expected:
            return PASS
        names = [name for name, alt in refs["alternatives"].items() if alt == pair]
        wrong = " and ".join(what for what, a, b in zip(("multiplications", "parameters"), pair, expected) if a != b)
        return failure(f"{label} returned {tuple(pair)}, expected {tuple(expected)}: the {wrong} differ.", names)

    def describe(self, params):
        if "input_shape" in params:
            reduced = f", reduced to {params['reduction']} channels first" if params.get("reduction") else ""
            return (f"bottleneck_cost: input {tuple(params['input_shape'])}, {params['filters']} filters of "
                    f"{params['kernel']}x{params['kernel']}{reduced}")
        return "bottleneck_cost on random shapes" + (" with a 1x1 reduction" if params.get("reduced") else "")


CHECKS = (ReceptiveFieldCheck(), ReceptiveAnswerCheck(), BottleneckCostCheck())
