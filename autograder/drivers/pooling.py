"""Drivers of the pooling layers."""

from __future__ import annotations

import numpy as np

from ..student import call, get_attribute, lookup
from .common import forward_at, snapshot
from .registry import driver

POOL_SIGNATURE = "{}(input_width, input_height, channel_number, filter_width, filter_height, stride)"


def build_pooling_layer(namespace, params):
    name = "MaxPoolingLayer" if params["kind"] == "max" else "MeanPoolingLayer"
    cls = lookup(namespace, name)
    c, h, w = params["input_shape"]
    fh, fw = params["filter_shape"]
    args = (w, h, c, fw, fh, params["stride"])
    return call("{}({}, {}, {}, {}, {}, {})".format(name, *args), cls, *args, signature=POOL_SIGNATURE.format(name)), name


@driver
def pool_forward(namespace, inputs, params, settings):
    """A pooling layer with the case's geometry; forward(input_array) -> returned value and output_array."""
    layer, name = build_pooling_layer(namespace, params)
    before = snapshot(layer, "output_array")
    returned = call(f"{name}.forward", get_attribute(layer, "forward", name), inputs["input_array"].copy())
    return {"returned": returned, "output_array": getattr(layer, "output_array", None), "output_array_before": before}


@driver
def pool_backward(namespace, inputs, params, settings):
    """forward, then backward(input_array, sensitivity_array) -> returned value and delta_array."""
    layer, name = build_pooling_layer(namespace, params)
    x = inputs["input_array"]
    call(f"{name}.forward", get_attribute(layer, "forward", name), x.copy())
    before = snapshot(layer, "delta_array")
    returned = call(f"{name}.backward", get_attribute(layer, "backward", name), x.copy(),
                    inputs["sensitivity_array"].copy())
    return {"returned": returned, "delta_array": getattr(layer, "delta_array", None), "delta_array_before": before}


@driver
def pool_gradcheck(namespace, inputs, params, settings):
    """backward's result, then forward at every point the grader sent (inputs['points']: x +- h v), untouched."""
    layer, name = build_pooling_layer(namespace, params)
    x, sensitivity = inputs["input_array"], inputs["sensitivity_array"]
    forward = get_attribute(layer, "forward", name)
    call(f"{name}.forward", forward, x.copy())
    returned = call(f"{name}.backward", get_attribute(layer, "backward", name), x.copy(), sensitivity.copy())
    delta_array = snapshot(layer, "delta_array")  # before forward runs again at the points
    returned = returned.copy() if isinstance(returned, np.ndarray) else returned
    label = f"{name}.forward (at a point of the gradient check)"
    return {"returned": returned, "delta_array": delta_array,
            "forward": forward_at(layer, forward, label, inputs["points"])}
