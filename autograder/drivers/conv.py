"""Drivers of the convolutional layer and its filters."""

from __future__ import annotations

import numpy as np

from ..student import StudentError, call, call_static_or_bound, get_attribute, lookup
from .common import activator_of, activator_probe, assign_filters, forward_at_points, snapshot
from .registry import driver

CONV_SIGNATURE = ("ConvLayer(input_width, input_height, channel_number, filter_width, filter_height, "
                  "filter_number, zero_padding, stride, activator, learning_rate)")
FILTER_SIGNATURE = "Filter(width, height, depth)"
OUTPUT_SIZE_SIGNATURE = "calculate_output_size(input_size, filter_size, zero_padding, stride)"


@driver
def filter_init(namespace, inputs, params, settings):
    """params: width, height, depth -> the new Filter's attributes and accessor results."""
    cls = lookup(namespace, "Filter")
    f = call(f"Filter({params['width']}, {params['height']}, {params['depth']})", cls,
             params["width"], params["height"], params["depth"], signature=FILTER_SIGNATURE)
    return {
        "weights": get_attribute(f, "weights", "Filter"),
        "bias": get_attribute(f, "bias", "Filter"),
        "weights_grad": get_attribute(f, "weights_grad", "Filter"),
        "bias_grad": get_attribute(f, "bias_grad", "Filter"),
        "get_weights": call("Filter.get_weights", get_attribute(f, "get_weights", "Filter")),
        "get_bias": call("Filter.get_bias", get_attribute(f, "get_bias", "Filter")),
    }


@driver
def filter_update(namespace, inputs, params, settings):
    """Set weights, bias and their gradients, call update(learning_rate) -> weights and bias after it."""
    cls = lookup(namespace, "Filter")
    depth, height, width = inputs["weights"].shape
    f = call(f"Filter({width}, {height}, {depth})", cls, width, height, depth, signature=FILTER_SIGNATURE)
    for name in ("weights", "bias", "weights_grad", "bias_grad"):
        get_attribute(f, name, "Filter")  # a Filter that keeps them elsewhere would ignore what is set below
    f.weights = inputs["weights"].copy()
    f.bias = float(inputs["bias"])
    f.weights_grad = inputs["weights_grad"].copy()
    f.bias_grad = float(inputs["bias_grad"])
    call(f"Filter.update({params['learning_rate']})", get_attribute(f, "update", "Filter"), params["learning_rate"])
    return {
        "weights": get_attribute(f, "weights", "Filter"),
        "bias": get_attribute(f, "bias", "Filter"),
        "get_weights": call("Filter.get_weights", get_attribute(f, "get_weights", "Filter")),
        "get_bias": call("Filter.get_bias", get_attribute(f, "get_bias", "Filter")),
    }


@driver
def output_size(namespace, inputs, params, settings):
    """params: input_size, filter_size, zero_padding, stride -> {'size'}."""
    cls = lookup(namespace, "ConvLayer")
    args = (params["input_size"], params["filter_size"], params["zero_padding"], params["stride"])
    label = "ConvLayer.calculate_output_size({}, {}, {}, {})".format(*args)
    return {"size": call_static_or_bound(cls, "calculate_output_size", args, label, OUTPUT_SIZE_SIGNATURE)}


def build_conv_layer(namespace, params, weights, biases, initial: dict | None = None):
    """A student ConvLayer with the case's geometry and the given filter weights (K, C, FH, FW) and biases (K,).

    `initial`, when given, gets the shapes of the weights __init__ gave the filters, and the shape the student's own
    Filter(filter_width, filter_height, channel_number) gives (so that a wrong Filter is not blamed on ConvLayer)."""
    cls = lookup(namespace, "ConvLayer")
    channels, height, width = params["input_shape"]
    filter_number, _, filter_height, filter_width = weights.shape
    args = (width, height, channels, filter_width, filter_height, filter_number,
            params["zero_padding"], params["stride"], activator_of(namespace, params),
            params.get("learning_rate", 0.001))
    layer = call("ConvLayer({}, {}, {}, {}, {}, {}, {}, {}, {}(), {})".format(*args[:8], params["activator"], args[9]),
                 cls, *args, signature=CONV_SIGNATURE)
    filters = get_attribute(layer, "filters", "ConvLayer")
    try:
        count = len(filters)
    except TypeError:
        raise StudentError(f"ConvLayer.filters should be a list of Filter objects, got {type(filters).__name__}") from None
    if count != filter_number:
        raise StudentError(f"ConvLayer.filters holds {count} filters, expected filter_number = {filter_number}")
    if initial is not None:
        initial["filter_shape"] = _filter_shape(namespace, filter_width, filter_height, channels)
    for f, w, b in zip(filters, weights, biases):
        created = get_attribute(f, "weights", "Filter")  # a Filter that keeps them elsewhere would ignore what is set below
        if initial is not None:
            initial.setdefault("filter_shapes", []).append(list(np.shape(created)))
        get_attribute(f, "bias", "Filter")
        try:
            f.weights = w.copy()
            f.bias = float(b)
        except Exception as exc:
            raise StudentError(f"could not set weights and bias on ConvLayer.filters[i]: {type(exc).__name__}: {exc}") from None
    return layer


LAYER_ATTRIBUTES = ("output_width", "output_height", "output_array")  # what __init__ must set, as documented
KEPT_BY_FORWARD = ("input_array", "padded_input_array")  # documented: assignment 2's backward pass reads them


def _filter_shape(namespace, width, height, depth):
    """The weights' shape of the student's own Filter(width, height, depth), or None when it cannot be made."""
    try:
        return list(np.shape(getattr(namespace["Filter"](width, height, depth), "weights")))
    except Exception:
        return None


@driver
def conv_forward(namespace, inputs, params, settings):
    """ConvLayer with the case's geometry and weights; forward(input_array) -> returned value, output_array (and
    its value before the call), the attributes __init__ set, and what the student's activator makes of a probe."""
    initial: dict = {}
    layer = build_conv_layer(namespace, params, inputs["weights"], inputs["biases"], initial)
    initial.update({name: snapshot(layer, name) for name in LAYER_ATTRIBUTES if hasattr(layer, name)})
    returned = call("ConvLayer.forward", get_attribute(layer, "forward", "ConvLayer"), inputs["input_array"].copy())
    return {"returned": returned, "output_array": getattr(layer, "output_array", None),
            "output_array_before": initial.get("output_array"), "initial": initial,
            "kept": {name: snapshot(layer, name) for name in KEPT_BY_FORWARD if hasattr(layer, name)},
            **activator_probe(namespace, params)}


def _gradients(layer) -> dict:
    """What backpropagation left in the layer: delta_array and every filter's gradients, as the student stored them."""
    filters = get_attribute(layer, "filters", "ConvLayer")
    return {"delta_array": getattr(layer, "delta_array", None),
            "weights_grad": [getattr(f, "weights_grad", None) for f in filters],
            "bias_grad": [getattr(f, "bias_grad", None) for f in filters]}


@driver
def conv_backward(namespace, inputs, params, settings):
    """params.method: bp_sensitivity_map | bp_gradient (each after forward) | backward -> what they produced."""
    layer = build_conv_layer(namespace, params, inputs["weights"], inputs["biases"])
    previous = activator_of(namespace, params, "previous_activator")
    x, sensitivity = inputs["input_array"].copy(), inputs["sensitivity_array"].copy()
    returned = None
    if params["method"] == "backward":
        call("ConvLayer.backward", get_attribute(layer, "backward", "ConvLayer"), x, sensitivity, previous)
    else:
        call("ConvLayer.forward (before backpropagation)", get_attribute(layer, "forward", "ConvLayer"), x)
        method = get_attribute(layer, params["method"], "ConvLayer")
        if params["method"] == "bp_sensitivity_map":
            returned = call("ConvLayer.bp_sensitivity_map", method, sensitivity, previous)
        else:
            call("ConvLayer.bp_gradient", method, sensitivity)
    return {"returned_delta": returned, **_gradients(layer),
            **activator_probe(namespace, params, "previous_activator", "backward")}


@driver
def conv_update(namespace, inputs, params, settings):
    """Gradients set on every filter, then ConvLayer.update() -> the filters' weights and biases after it."""
    layer = build_conv_layer(namespace, params, inputs["weights"], inputs["biases"])
    for f, weights_grad, bias_grad in zip(layer.filters, inputs["weights_grad"], inputs["bias_grad"]):
        f.weights_grad, f.bias_grad = weights_grad.copy(), float(bias_grad)
    call("ConvLayer.update()", get_attribute(layer, "update", "ConvLayer"))
    return {"weights": [getattr(f, "weights", None) for f in layer.filters],
            "bias": [getattr(f, "bias", None) for f in layer.filters]}


@driver
def conv_gradcheck(namespace, inputs, params, settings):
    """The student's gradients (from backward), then the student's forward at every point the grader sent.

    No difference is taken here: inputs['points_<target>'] are the grader's x +- h v (or weights, biases
    +- h v); the outputs go back as they are, and the grader checks them and takes the differences.
    """
    layer = build_conv_layer(namespace, params, inputs["weights"], inputs["biases"])
    x, sensitivity = inputs["input_array"], inputs["sensitivity_array"]
    identity = activator_of(namespace, {**params, "previous_activator": "IdentityActivator"}, "previous_activator")
    call("ConvLayer.backward", get_attribute(layer, "backward", "ConvLayer"), x.copy(), sensitivity.copy(), identity)
    analytic = _gradients(layer)
    analytic["delta_array"] = (analytic["delta_array"].copy() if isinstance(analytic["delta_array"], np.ndarray)
                               else analytic["delta_array"])
    forward = get_attribute(layer, "forward", "ConvLayer")
    outputs = forward_at_points(layer, forward, "ConvLayer.forward (at a point of the gradient check)", inputs,
                                params.get("targets", ["input", "weights", "bias"]),
                                {"weights": inputs["weights"], "bias": inputs["biases"]}, assign_filters)
    return {**analytic, **outputs}
