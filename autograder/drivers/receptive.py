"""Drivers of receptive_field and bottleneck_cost (assignment 5)."""

from __future__ import annotations

from ..student import call, lookup
from .registry import driver


@driver
def receptive_field(namespace, inputs, params, settings):
    """receptive_field(list of (kernel, stride, dilation) tuples) -> {'value'}."""
    function = lookup(namespace, "receptive_field", kind="function")
    layers = [tuple(int(n) for n in layer) for layer in inputs["layers"]]
    return {"value": call(f"receptive_field({layers})", function, layers, signature="receptive_field(layers)")}


@driver
def bottleneck_cost(namespace, inputs, params, settings):
    """bottleneck_cost(input_shape, filters, kernel[, reduction]) -> {'value'}."""
    function = lookup(namespace, "bottleneck_cost", kind="function")
    args = (tuple(int(n) for n in inputs["input_shape"]), int(inputs["filters"]), int(inputs["kernel"]))
    if inputs.get("reduction") is not None:
        args += (int(inputs["reduction"]),)
    label = "bottleneck_cost(" + ", ".join(str(a) for a in args) + ")"
    signature = "bottleneck_cost(input_shape, filters, kernel, reduction=None)"
    return {"value": call(label, function, *args, signature=signature)}
