"""Drivers of the dilated and transposed convolutional layers (assignment 5): ConvLayer's conventions, one more
constructor argument (dilation or output_padding) before the activator."""

from __future__ import annotations

import numpy as np

from ..student import StudentError, call, call_static_or_bound, get_attribute, lookup
from .common import activator_of, activator_probe, assign_filters, forward_at_points, snapshot
from .registry import driver

CLASS_NAMES = {"dilated": "DilatedConvLayer", "transposed": "TransposedConvLayer"}
EXTRA = {"dilated": "dilation", "transposed": "output_padding"}
SIGNATURE = ("{}(input_width, input_height, channel_number, filter_width, filter_height, filter_number, "
             "zero_padding, stride, {}, activator, learning_rate)")
OUTPUT_SIZE_SIGNATURE = "calculate_output_size(input_size, filter_size, zero_padding, stride, {})"
LAYER_ATTRIBUTES = ("output_width", "output_height", "output_array")  # what __init__ must set, as documented


def build_variant_layer(namespace, params, weights, biases, initial: dict | None = None):
    """The student's layer (params.layer) with the case's geometry and filter weights (K, C, FH, FW), biases (K,).

    `initial`, when given, gets the shapes of the weights __init__ gave the filters, and the shape the student's own
    Filter(filter_width, filter_height, channel_number) gives (so that a wrong Filter is not blamed on the layer)."""
    name, extra = CLASS_NAMES[params["layer"]], EXTRA[params["layer"]]
    cls = lookup(namespace, name)
    channels, height, width = params["input_shape"]
    filter_number, _, filter_height, filter_width = weights.shape
    args = (width, height, channels, filter_width, filter_height, filter_number, params["zero_padding"],
            params["stride"], params[extra], activator_of(namespace, params), params.get("learning_rate", 0.001))
    label = "{}({}, {}, {}, {}, {}, {}, {}, {}, {}, {}(), {})".format(name, *args[:9], params["activator"], args[10])
    layer = call(label, cls, *args, signature=SIGNATURE.format(name, extra))
    filters = get_attribute(layer, "filters", name)
    try:
        count = len(filters)
    except TypeError:
        raise StudentError(f"{name}.filters should be a list of Filter objects, got {type(filters).__name__}") from None
    if count != filter_number:
        raise StudentError(f"{name}.filters holds {count} filters, expected filter_number = {filter_number}")
    if initial is not None:
        initial["filter_shape"] = _filter_shape(namespace, filter_width, filter_height, channels)
    for f, w, b in zip(filters, weights, biases):
        # a Filter that keeps them elsewhere would ignore what is set below
        created = get_attribute(f, "weights", "Filter")
        if initial is not None:
            initial.setdefault("filter_shapes", []).append(list(np.shape(created)))
        get_attribute(f, "bias", "Filter")
        try:
            f.weights = w.copy()
            f.bias = float(b)
        except Exception as exc:
            raise StudentError(f"could not set weights and bias on {name}.filters[i]: "
                               f"{type(exc).__name__}: {exc}") from None
    return layer, name


def _filter_shape(namespace, width, height, depth):
    """The weights' shape of the student's own Filter(width, height, depth), or None when it cannot be made."""
    try:
        return list(np.shape(getattr(namespace["Filter"](width, height, depth), "weights")))
    except Exception:  # noqa: BLE001 - a broken Filter is judged by its own question
        return None


@driver
def variant_output_size(namespace, inputs, params, settings):
    """params: layer, input_size, filter_size, zero_padding, stride, dilation | output_padding -> {'size'}."""
    name, extra = CLASS_NAMES[params["layer"]], EXTRA[params["layer"]]
    cls = lookup(namespace, name)
    args = tuple(params[k] for k in ("input_size", "filter_size", "zero_padding", "stride", extra))
    label = "{}.calculate_output_size({}, {}, {}, {}, {})".format(name, *args)
    signature = OUTPUT_SIZE_SIGNATURE.format(extra)
    return {"size": call_static_or_bound(cls, "calculate_output_size", args, label, signature)}


@driver
def variant_forward(namespace, inputs, params, settings):
    """The layer with the case's weights; forward(input_array) -> returned value, output_array (and its value before
    the call), the attributes __init__ set, and what the student's activator makes of a probe."""
    initial: dict = {}
    layer, name = build_variant_layer(namespace, params, inputs["weights"], inputs["biases"], initial)
    initial.update({key: snapshot(layer, key) for key in LAYER_ATTRIBUTES if hasattr(layer, key)})
    returned = call(f"{name}.forward", get_attribute(layer, "forward", name), inputs["input_array"].copy())
    return {"returned": returned, "output_array": getattr(layer, "output_array", None),
            "output_array_before": initial.get("output_array"), "initial": initial,
            **activator_probe(namespace, params)}


def _gradients(layer, name) -> dict:
    """delta_array and every filter's gradients, as the student stored them."""
    filters = get_attribute(layer, "filters", name)
    delta = getattr(layer, "delta_array", None)
    return {"delta_array": delta.copy() if isinstance(delta, np.ndarray) else delta,
            "weights_grad": [getattr(f, "weights_grad", None) for f in filters],
            "bias_grad": [getattr(f, "bias_grad", None) for f in filters]}


@driver
def variant_backward(namespace, inputs, params, settings):
    """params.method: bp_sensitivity_map | bp_gradient (each after forward) | backward -> what they produced."""
    layer, name = build_variant_layer(namespace, params, inputs["weights"], inputs["biases"])
    previous = activator_of(namespace, params, "previous_activator")
    x, sensitivity = inputs["input_array"].copy(), inputs["sensitivity_array"].copy()
    returned = None
    if params["method"] == "backward":
        call(f"{name}.backward", get_attribute(layer, "backward", name), x, sensitivity, previous)
    else:
        call(f"{name}.forward (before backpropagation)", get_attribute(layer, "forward", name), x)
        method = get_attribute(layer, params["method"], name)
        if params["method"] == "bp_sensitivity_map":
            returned = call(f"{name}.bp_sensitivity_map", method, sensitivity, previous)
        else:
            call(f"{name}.bp_gradient", method, sensitivity)
    return {"returned_delta": returned, **_gradients(layer, name),
            **activator_probe(namespace, params, "previous_activator", "backward")}


@driver
def variant_update(namespace, inputs, params, settings):
    """Gradients set on every filter, then update() -> the filters' weights and biases after it."""
    layer, name = build_variant_layer(namespace, params, inputs["weights"], inputs["biases"])
    for f, weights_grad, bias_grad in zip(layer.filters, inputs["weights_grad"], inputs["bias_grad"]):
        f.weights_grad, f.bias_grad = weights_grad.copy(), float(bias_grad)
    call(f"{name}.update()", get_attribute(layer, "update", name))
    return {"weights": [getattr(f, "weights", None) for f in layer.filters],
            "bias": [getattr(f, "bias", None) for f in layer.filters]}


@driver
def variant_gradcheck(namespace, inputs, params, settings):
    """The student's gradients (from backward), then the student's forward at every point the grader sent
    (inputs['points_<target>']: x, weights or biases +- h v); no difference is taken here."""
    layer, name = build_variant_layer(namespace, params, inputs["weights"], inputs["biases"])
    x, sensitivity = inputs["input_array"], inputs["sensitivity_array"]
    identity = activator_of(namespace, {**params, "previous_activator": "IdentityActivator"}, "previous_activator")
    call(f"{name}.backward", get_attribute(layer, "backward", name), x.copy(), sensitivity.copy(), identity)
    outputs = _gradients(layer, name)
    forward = get_attribute(layer, "forward", name)
    outputs.update(forward_at_points(layer, forward, f"{name}.forward (at a point of the gradient check)", inputs,
                                     ("input", "weights", "bias"),
                                     {"weights": inputs["weights"], "bias": inputs["biases"]}, assign_filters))
    return outputs
