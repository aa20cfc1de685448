"""Drivers of assignment 4's network: counting parameters, FC layers as convolutions, and LeNet.

A hidden LeNet test asks for the course's reference layers (params.layers_source: reference): while its driver
runs, the names LeNet builds its layers from point to the course's classes, so that the test judges the network's
wiring and training loop alone; the student's own classes are put back afterwards.
"""

from __future__ import annotations

import contextlib
import inspect
import time

import numpy as np

from ..student import StudentError, call, get_attribute, lookup
from .registry import TIME_LEFT, driver, reference_unit

LENET_SIGNATURE = "LeNet(learning_rate, seed)"
LAYER_CLASSES = ("ReluActivator", "IdentityActivator", "Filter", "ConvLayer", "MaxPoolingLayer", "Flatten",
                 "FullyConnectedLayer", "SoftmaxCrossEntropy")
_MISSING = object()


@driver
def network_size(namespace, inputs, params, settings):
    """count_parameters or output_shapes (params.function) on the case's input shape and layer list."""
    name = params["function"]
    function = lookup(namespace, name, kind="function")
    layers = [dict(layer) for layer in inputs["layers"]]
    shape = tuple(int(n) for n in inputs["input_shape"])
    return {"value": call(f"{name}({shape}, layers)", function, shape, layers,
                          signature=f"{name}(input_shape, layers)")}


@driver
def layer_as_layer(namespace, inputs, params, settings):
    """fc_as_conv(W, b, input_shape) or conv1x1_as_fc(weights, biases) (params.function) -> what it returned."""
    name = params["function"]
    function = lookup(namespace, name, kind="function")
    if name == "fc_as_conv":
        shape = tuple(int(n) for n in inputs["input_shape"])
        result = call(f"fc_as_conv(W, b, {shape})", function, inputs["W"].copy(), inputs["b"].copy(), shape,
                      signature="fc_as_conv(W, b, input_shape)")
    else:
        result = call("conv1x1_as_fc(weights, biases)", function, inputs["weights"].copy(), inputs["biases"].copy(),
                      signature="conv1x1_as_fc(weights, biases)")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise StudentError(f"{name} should return a pair (two arrays), got {type(result).__name__}")
    return {"first": result[0], "second": result[1]}


@contextlib.contextmanager
def replaced(namespace, replacements: dict):
    """The namespace's names set to `replacements` for the length of the call, then put back as they were."""
    saved = {name: namespace.get(name, _MISSING) for name in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                namespace.pop(name, None)
            else:
                namespace[name] = value


@contextlib.contextmanager
def layers_for(namespace, params):
    """The course's layer classes in the namespace for the length of the call when the case asks for them."""
    if params.get("layers_source") != "reference" or reference_unit("ConvLayer") is None:
        yield
        return
    with replaced(namespace, {name: reference_unit(name) for name in LAYER_CLASSES}):
        yield


BUILT_WITH = "_course_built_with"  # what a recorded layer class keeps on each instance: (class name, arguments)
BUILT_LAYERS = ("ConvLayer", "MaxPoolingLayer", "Flatten", "FullyConnectedLayer", "SoftmaxCrossEntropy")


def _argument(value):
    """A constructor argument as a plain value: an activator (any object) as its class is called, 'ReluActivator()'."""
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if isinstance(value, np.generic):  # a size computed with numpy is the same number
        value = value.item()
    return value if isinstance(value, (int, float, str)) or value is None else f"{type(value).__name__}()"


def _recording(cls, name: str):
    """cls, keeping on each instance the arguments it was built with, in the order of cls's own signature."""
    def __init__(self, *args, **kwargs):
        try:
            bound = inspect.signature(cls.__init__).bind(self, *args, **kwargs)
            arguments = [_argument(v) for k, v in list(bound.arguments.items())[1:]]
        except (TypeError, ValueError):
            arguments = [_argument(v) for v in args] + [_argument(v) for v in kwargs.values()]
        with contextlib.suppress(AttributeError):  # a class with __slots__ is judged as built from no course class
            object.__setattr__(self, BUILT_WITH, (name, arguments))
        cls.__init__(self, *args, **kwargs)

    return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__})


def recorded_layers(namespace):
    """The layer classes LeNet builds, replaced for the call by subclasses that record their arguments."""
    return replaced(namespace, {name: _recording(namespace[name], name) for name in BUILT_LAYERS
                                if isinstance(namespace.get(name), type)})


def layers_of(net) -> list:
    """The six layers of a student LeNet, from its layers() method (or a list attribute of that name)."""
    layers = get_attribute(net, "layers", "LeNet")
    if callable(layers):
        layers = call("LeNet.layers()", layers)
    try:
        layers = list(layers)
    except TypeError:
        raise StudentError(f"LeNet.layers() should return a list of the six layers, got {type(layers).__name__}") from None
    if len(layers) != 6:
        raise StudentError(f"LeNet.layers() returned {len(layers)} layers; the network has six (the loss layer last)")
    return layers


def set_parameters(layers, parameters: dict) -> None:
    """The case's weights set through the documented attributes: filters[k].weights and .bias, W and b."""
    conv, _, _, hidden, output, _ = layers
    filters = get_attribute(conv, "filters", "ConvLayer")
    if len(filters) != len(parameters["conv_weights"]):
        raise StudentError(f"the first layer has {len(filters)} filters, expected {len(parameters['conv_weights'])}")
    for f, weights, bias in zip(filters, parameters["conv_weights"], parameters["conv_bias"]):
        get_attribute(f, "weights", "Filter")
        f.weights, f.bias = np.array(weights), float(bias)
    for layer, key in ((hidden, "1"), (output, "2")):
        get_attribute(layer, "W", "FullyConnectedLayer")
        layer.W, layer.b = np.array(parameters["W" + key]), np.array(parameters["b" + key])


def read_parameters(layers, suffix: str = "") -> dict:
    """The weights (suffix '') or their gradients (suffix '_grad') through the documented attributes."""
    conv, _, _, hidden, output, _ = layers
    filters = get_attribute(conv, "filters", "ConvLayer")
    weight, bias = ("weights_grad", "bias_grad") if suffix else ("weights", "bias")

    def copy(value):
        return np.array(value, copy=True) if isinstance(value, np.ndarray) else value

    return {"conv_weights": [copy(getattr(f, weight, None)) for f in filters],
            "conv_bias": [copy(getattr(f, bias, None)) for f in filters],
            "W1": copy(getattr(hidden, "W" + suffix, None)), "b1": copy(getattr(hidden, "b" + suffix, None)),
            "W2": copy(getattr(output, "W" + suffix, None)), "b2": copy(getattr(output, "b" + suffix, None))}


def new_lenet(namespace, params, global_seed: int | None = None):
    """LeNet(learning_rate, seed), built with numpy's global random state set first (to global_seed, else to the
    case's seed): a network that draws from np.random instead of its seed still gets the same grade every run."""
    cls = lookup(namespace, "LeNet")
    lr, seed = params["learning_rate"], params.get("seed", 0)
    np.random.seed(int(seed if global_seed is None else global_seed) % 2**32)
    return call(f"LeNet({lr}, {seed})", cls, lr, seed, signature=LENET_SIGNATURE)


def _copied(value):
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


@driver
def lenet(namespace, inputs, params, settings):
    """A LeNet with the case's weights; params.method: forward | loss | backward | step | predict."""
    method = params["method"]
    with layers_for(namespace, params):
        net = new_lenet(namespace, params)
        layers = layers_of(net)
        set_parameters(layers, inputs["parameters"])
        images, labels = inputs["images"], [int(v) for v in inputs["labels"]]
        outputs: dict = {}
        if method == "forward":
            outputs["logits"] = [_copied(call("LeNet.forward", get_attribute(net, "forward", "LeNet"), image.copy()))
                                 for image in images]
        elif method == "loss":
            outputs["loss"] = [call("LeNet.loss", get_attribute(net, "loss", "LeNet"), image.copy(), label)
                               for image, label in zip(images, labels)]
        elif method == "backward":
            outputs["loss"] = [call("LeNet.loss", get_attribute(net, "loss", "LeNet"), images[0].copy(), labels[0])]
            call("LeNet.backward", get_attribute(net, "backward", "LeNet"))
            outputs["gradients"] = read_parameters(layers, "_grad")
        elif method == "step":
            step = get_attribute(net, "step", "LeNet")
            outputs["loss"], outputs["parameters"], outputs["gradients"] = [], [], []
            for image, label in zip(images, labels):
                outputs["loss"].append(call("LeNet.step", step, image.copy(), label))
                outputs["parameters"].append(read_parameters(layers))
                outputs["gradients"].append(read_parameters(layers, "_grad"))  # tells an uphill step's cause
        else:
            outputs["predictions"] = call("LeNet.predict", get_attribute(net, "predict", "LeNet"), images.copy())
    return outputs


@driver
def lenet_train(namespace, inputs, params, settings):
    """A new LeNet(learning_rate, seed) trained with train(images, labels, epochs, learning_rate) -> its losses,
    the losses attribute, the weights before and after training and predict() on the probe images the grader sent."""
    with layers_for(namespace, params):
        again, seed = None, int(params.get("seed", 0))
        if params.get("reproducible"):  # numpy's global state differs for each build: the seed alone decides
            again = read_parameters(layers_of(new_lenet(namespace, params, global_seed=seed + 1)))
        net = new_lenet(namespace, params, global_seed=seed + 2 if params.get("reproducible") else None)
        layers = layers_of(net)
        labels = np.array(inputs["labels"], dtype=int)
        initial = read_parameters(layers)
        returned = call("LeNet.train", get_attribute(net, "train", "LeNet"), inputs["images"].copy(), labels,
                        params["epochs"], params["learning_rate"])
        predictions = call("LeNet.predict", get_attribute(net, "predict", "LeNet"), inputs["probes"].copy())
        return {"returned": returned, "losses": getattr(net, "losses", None), "initial": initial,
                "parameters": read_parameters(layers), "predictions": predictions, "initial_again": again}


@driver
def lenet_own_training(namespace, inputs, params, settings):
    """A new LeNet(learning_rate, seed) of the student's own layers trained by step(image, label), one image at a
    time in the given order, for the case's epochs or until its share of the time left runs out -> the weights and
    the number of steps taken (a report: it stops by itself between two steps, before the test's limit)."""
    allowance = float(params.get("time_share", 0.75)) * float(settings.get(TIME_LEFT, settings.get("test_timeout_s", 20)))
    started = time.monotonic()
    net = new_lenet(namespace, params)
    layers = layers_of(net)
    step = get_attribute(net, "step", "LeNet")
    images, labels = inputs["images"], [int(v) for v in inputs["labels"]]
    steps = 0
    for _ in range(int(params["epochs"])):
        for image, label in zip(images, labels):
            if time.monotonic() - started > allowance:
                return {"parameters": read_parameters(layers), "steps": steps, "seconds": allowance}
            call("LeNet.step", step, image.copy(), label)
            steps += 1
    return {"parameters": read_parameters(layers), "steps": steps, "seconds": time.monotonic() - started}


@driver
def lenet_layers(namespace, inputs, params, settings):
    """A new LeNet(learning_rate, seed) -> for each of its six layers (layers()), the class it was built from and
    the arguments it was built with (None for a layer built from no course layer class)."""
    with layers_for(namespace, params), recorded_layers(namespace):
        net = new_lenet(namespace, params)
        built = [getattr(layer, BUILT_WITH, None) for layer in layers_of(net)]
    return {"layers": [None if b is None else {"class": b[0], "arguments": b[1]} for b in built]}
