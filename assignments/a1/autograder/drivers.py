"""Drivers: the only code that touches student objects. Each builds the student's objects for one case, calls
their methods and returns what they produced, untouched; judging happens elsewhere (checks.py), on plain values.

Signature of every driver: (namespace, inputs, params, settings) -> dict of outputs. numpy only.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .probes import ACTIVATOR_PROBE, GRADIENT_FUNCTIONS
from .student import StudentError, call, call_static_or_bound, get_attribute, lookup

CONV_SIGNATURE = ("ConvLayer(input_width, input_height, channel_number, filter_width, filter_height, "
                  "filter_number, zero_padding, stride, activator, learning_rate)")
FILTER_SIGNATURE = "Filter(width, height, depth)"
OUTPUT_SIZE_SIGNATURE = "calculate_output_size(input_size, filter_size, zero_padding, stride)"

# Every driver, by name: the ones below marked @driver, and nothing else (a request names one of these).
DRIVERS: dict = {}


def driver(function):
    """Register function as the driver of its own name."""
    DRIVERS[function.__name__] = function
    return function


def _instance(namespace, class_name: str):
    cls = lookup(namespace, class_name)
    return call(f"{class_name}()", cls)


# The course's reference units (e.g. its activators), sent by the grader with a hidden test's settings and kept
# apart from the student's namespace: a test of ConvLayer then does not depend on the student's ReluActivator.
# They exist only while the driver of a test that carries them runs (run_driver), never while student code is
# judged by another test, so a submission cannot hand them in as its own ReluActivator.
_REFERENCE: dict = {}


@contextlib.contextmanager
def _reference_units(settings):
    """The reference classes in settings['driver_setup']['reference_code'] for the length of one driver call."""
    code = ((settings or {}).get("driver_setup") or {}).get("reference_code")
    _REFERENCE.clear()
    if code:
        namespace: dict = {"__name__": "course_reference"}
        exec(compile(code, "<course reference>", "exec"), namespace)
        _REFERENCE.update({k: v for k, v in namespace.items() if isinstance(v, type)})
    try:
        yield
    finally:
        _REFERENCE.clear()


def _activator_of(namespace, params, key: str = "activator"):
    """The activator a case asks for: the course's reference one when params say activator_source: reference and
    the grader sent it (hidden tests), else the student's own class."""
    name = params[key]
    if params.get("activator_source") == "reference" and name in _REFERENCE:
        return _REFERENCE[name]()
    return _instance(namespace, name)


def _activator_probe(namespace, params, key: str = "activator", method: str = "forward") -> dict:
    """{'<key>_probe': what the student's activator's method makes of ACTIVATOR_PROBE}, when the case uses the
    student's activator (checks.base.upstream_cause judges it)."""
    if params.get("activator_source") == "reference" and params[key] in _REFERENCE:
        return {}
    try:
        return {f"{key}_probe": getattr(_instance(namespace, params[key]), method)(ACTIVATOR_PROBE.copy())}
    except Exception:  # noqa: BLE001 - a broken activator is judged by its own question
        return {f"{key}_probe": None}


def _snapshot(obj, attribute: str):
    """A copy of obj.attribute before a call (None when absent), so a judge can tell whether the call wrote it."""
    value = getattr(obj, attribute, None)
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


@driver
def activator(namespace, inputs, params, settings):
    """params: activator (class name), method ('forward' or 'backward'); inputs: value -> {'result'}."""
    instance = _instance(namespace, params["activator"])
    method = get_attribute(instance, params["method"], params["activator"])
    value = inputs["value"]
    argument = value.copy() if isinstance(value, np.ndarray) else value
    result = call(f"{params['activator']}.{params['method']}", method, argument)
    return {"result": result, "input_after": argument}


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
            params["zero_padding"], params["stride"], _activator_of(namespace, params),
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
    initial.update({name: _snapshot(layer, name) for name in LAYER_ATTRIBUTES if hasattr(layer, name)})
    returned = call("ConvLayer.forward", get_attribute(layer, "forward", "ConvLayer"), inputs["input_array"].copy())
    return {"returned": returned, "output_array": getattr(layer, "output_array", None),
            "output_array_before": initial.get("output_array"), "initial": initial,
            "kept": {name: _snapshot(layer, name) for name in KEPT_BY_FORWARD if hasattr(layer, name)},
            **_activator_probe(namespace, params)}


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
    previous = _activator_of(namespace, params, "previous_activator")
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
            **_activator_probe(namespace, params, "previous_activator", "backward")}


@driver
def conv_update(namespace, inputs, params, settings):
    """Gradients set on every filter, then ConvLayer.update() -> the filters' weights and biases after it."""
    layer = build_conv_layer(namespace, params, inputs["weights"], inputs["biases"])
    for f, weights_grad, bias_grad in zip(layer.filters, inputs["weights_grad"], inputs["bias_grad"]):
        f.weights_grad, f.bias_grad = weights_grad.copy(), float(bias_grad)
    call("ConvLayer.update()", get_attribute(layer, "update", "ConvLayer"))
    return {"weights": [getattr(f, "weights", None) for f in layer.filters],
            "bias": [getattr(f, "bias", None) for f in layer.filters]}


def _forward_at(layer, forward, label: str, points, prepare=None) -> dict:
    """forward at every point -> {'returned': [...], 'output_array': [...]}, each copied at once (a layer may reuse
    one output array for every call); prepare(i) runs before the i-th call."""
    returned, stored = [], []
    for i, point in enumerate(points):
        if prepare is not None:
            prepare(i)
        value = call(label, forward, np.array(point))
        kept = getattr(layer, "output_array", None)
        returned.append(value.copy() if isinstance(value, np.ndarray) else value)
        stored.append(kept.copy() if isinstance(kept, np.ndarray) else kept)
    return {"returned": returned, "output_array": stored}


@driver
def conv_gradcheck(namespace, inputs, params, settings):
    """The student's gradients (from backward), then the student's forward at every point the grader sent.

    No difference is taken here: inputs['points_<target>'] are the grader's x +- h v (or weights, biases
    +- h v); the outputs go back as they are, and the grader checks them and takes the differences.
    """
    layer = build_conv_layer(namespace, params, inputs["weights"], inputs["biases"])
    x, sensitivity = inputs["input_array"], inputs["sensitivity_array"]
    identity = _activator_of(namespace, {**params, "previous_activator": "IdentityActivator"}, "previous_activator")
    call("ConvLayer.backward", get_attribute(layer, "backward", "ConvLayer"), x.copy(), sensitivity.copy(), identity)
    analytic = _gradients(layer)
    analytic["delta_array"] = (analytic["delta_array"].copy() if isinstance(analytic["delta_array"], np.ndarray)
                               else analytic["delta_array"])
    forward = get_attribute(layer, "forward", "ConvLayer")
    label = "ConvLayer.forward (at a point of the gradient check)"
    outputs = {}
    for target in params.get("targets", ["input", "weights", "bias"]):
        points = inputs[f"points_{target}"]

        def set_parameters(i, target=target, points=points):
            weights = points[i] if target == "weights" else inputs["weights"]
            biases = points[i] if target == "bias" else inputs["biases"]
            for f, w, b in zip(layer.filters, weights, biases):
                f.weights, f.bias = np.array(w), float(b)

        inputs_at = points if target == "input" else [x] * len(points)
        outputs[f"forward_{target}"] = _forward_at(layer, forward, label, inputs_at, set_parameters)
    return {**analytic, **outputs}


@driver
def numerical_gradient(namespace, inputs, params, settings):
    """numerical_gradient(f, x[, h]) on a known function -> the gradient and x after the call."""
    function = lookup(namespace, "numerical_gradient", kind="function")
    x = inputs["x"].copy()
    args = (GRADIENT_FUNCTIONS[params["function"]], x) + ((params["h"],) if "h" in params else ())
    label = "numerical_gradient(f, x" + (f", h={params['h']})" if "h" in params else ")")
    gradient = call(label, function, *args, signature="numerical_gradient(f, x, h=1e-5)")
    return {"gradient": gradient, "x_after": x}


@driver
def relative_error(namespace, inputs, params, settings):
    """relative_error(a, b) -> {'value'}."""
    function = lookup(namespace, "relative_error", kind="function")
    a, b = inputs["a"], inputs["b"]
    return {"value": call("relative_error(a, b)", function, np.copy(a) if isinstance(a, np.ndarray) else a,
                          np.copy(b) if isinstance(b, np.ndarray) else b, signature="relative_error(a, b)")}


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
    before = _snapshot(layer, "output_array")
    returned = call(f"{name}.forward", get_attribute(layer, "forward", name), inputs["input_array"].copy())
    return {"returned": returned, "output_array": getattr(layer, "output_array", None), "output_array_before": before}


@driver
def pool_backward(namespace, inputs, params, settings):
    """forward, then backward(input_array, sensitivity_array) -> returned value and delta_array."""
    layer, name = build_pooling_layer(namespace, params)
    x = inputs["input_array"]
    call(f"{name}.forward", get_attribute(layer, "forward", name), x.copy())
    before = _snapshot(layer, "delta_array")
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
    delta_array = _snapshot(layer, "delta_array")  # before forward runs again at the points
    returned = returned.copy() if isinstance(returned, np.ndarray) else returned
    label = f"{name}.forward (at a point of the gradient check)"
    return {"returned": returned, "delta_array": delta_array,
            "forward": _forward_at(layer, forward, label, inputs["points"])}


@driver
def answer(namespace, inputs, params, settings):
    """params: name -> {'value'}: the student's answer to a numeric question."""
    return {"value": lookup(namespace, params["name"], kind="answer")}


def run_driver(name: str, namespace, inputs, params, settings):
    """DRIVERS[name] on one case, with the course's reference units present only during the call."""
    driver = DRIVERS[name]
    with _reference_units(settings):
        return driver(namespace, inputs, params, settings)
