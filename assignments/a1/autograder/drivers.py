"""Drivers: the only code that touches student objects. Each builds the student's objects for one case, calls
their methods and returns what they produced, untouched; judging happens elsewhere (checks.py), on plain values.

Signature of every driver: (namespace, inputs, params) -> dict of outputs. numpy only.
"""

from __future__ import annotations

import numpy as np

from .student import StudentError, call, call_static_or_bound, get_attribute, lookup

CONV_SIGNATURE = ("ConvLayer(input_width, input_height, channel_number, filter_width, filter_height, "
                  "filter_number, zero_padding, stride, activator, learning_rate)")
FILTER_SIGNATURE = "Filter(width, height, depth)"
OUTPUT_SIZE_SIGNATURE = "calculate_output_size(input_size, filter_size, zero_padding, stride)"


def activator(namespace, inputs, params):
    """params: activator (class name), method ('forward' or 'backward'); inputs: value -> {'result'}."""
    cls = lookup(namespace, params["activator"])
    instance = call(f"{cls.__name__}()", cls)
    method = get_attribute(instance, params["method"], cls.__name__)
    value = inputs["value"]
    argument = value.copy() if isinstance(value, np.ndarray) else value
    result = call(f"{cls.__name__}.{params['method']}", method, argument)
    return {"result": result, "input_after": argument}


def filter_init(namespace, inputs, params):
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


def filter_update(namespace, inputs, params):
    """Set weights, bias and their gradients, call update(learning_rate) -> weights and bias after it."""
    cls = lookup(namespace, "Filter")
    depth, height, width = inputs["weights"].shape
    f = call(f"Filter({width}, {height}, {depth})", cls, width, height, depth, signature=FILTER_SIGNATURE)
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


def output_size(namespace, inputs, params):
    """params: input_size, filter_size, zero_padding, stride -> {'size'}."""
    cls = lookup(namespace, "ConvLayer")
    args = (params["input_size"], params["filter_size"], params["zero_padding"], params["stride"])
    label = "ConvLayer.calculate_output_size({}, {}, {}, {})".format(*args)
    return {"size": call_static_or_bound(cls, "calculate_output_size", args, label, OUTPUT_SIZE_SIGNATURE)}


def build_conv_layer(namespace, params, weights, biases):
    """A student ConvLayer with the case's geometry and the given filter weights (K, C, FH, FW) and biases (K,)."""
    cls = lookup(namespace, "ConvLayer")
    activator_cls = lookup(namespace, params["activator"])
    channels, height, width = params["input_shape"]
    filter_number, _, filter_height, filter_width = weights.shape
    args = (width, height, channels, filter_width, filter_height, filter_number,
            params["zero_padding"], params["stride"], call(f"{activator_cls.__name__}()", activator_cls),
            params.get("learning_rate", 0.001))
    layer = call("ConvLayer({}, {}, {}, {}, {}, {}, {}, {}, {}(), {})".format(*args[:8], activator_cls.__name__, args[9]),
                 cls, *args, signature=CONV_SIGNATURE)
    filters = get_attribute(layer, "filters", "ConvLayer")
    try:
        count = len(filters)
    except TypeError:
        raise StudentError(f"ConvLayer.filters should be a list of Filter objects, got {type(filters).__name__}") from None
    if count != filter_number:
        raise StudentError(f"ConvLayer.filters holds {count} filters, expected filter_number = {filter_number}")
    for f, w, b in zip(filters, weights, biases):
        try:
            f.weights = w.copy()
            f.bias = float(b)
        except Exception as exc:
            raise StudentError(f"could not set weights and bias on ConvLayer.filters[i]: {type(exc).__name__}: {exc}") from None
    return layer


def conv_forward(namespace, inputs, params):
    """ConvLayer with the case's geometry and weights; forward(input_array) -> returned value and output_array."""
    layer = build_conv_layer(namespace, params, inputs["weights"], inputs["biases"])
    returned = call("ConvLayer.forward", get_attribute(layer, "forward", "ConvLayer"), inputs["input_array"].copy())
    return {"returned": returned, "output_array": getattr(layer, "output_array", None)}


def answer(namespace, inputs, params):
    """params: name -> {'value'}: the student's answer to a numeric question."""
    return {"value": lookup(namespace, params["name"], kind="answer")}


DRIVERS = {name: fn for name, fn in globals().items()
           if callable(fn) and getattr(fn, "__module__", None) == __name__ and not name.startswith("build_")}
