"""The equivalence probe: does a mutant really behave differently from the solution?

Both run in this process on the same random configurations (beyond the hidden cases), and everything the tests may
read is compared: return values (or, for a method that returns nothing, the attribute it documents), the arrays
passed in, the answers, and the attributes the solution's docstrings name (self.<attribute>) among output_width,
output_height, output_array (after __init__ and forward), input_array and padded_input_array (after forward),
delta_array, filters and every filter's weights, bias, weights_grad and bias_grad (after __init__, the backward
pass and update).

Assignment 4's units observe what its notebook documents: FullyConnectedLayer's W, b, W_grad and b_grad (its
__init__ docstring names only these as read by the tests; output_array only after forward), Flatten's input_shape,
SoftmaxCrossEntropy's loss and probabilities, output_shapes and count_parameters on random stacks, fc_as_conv and
conv1x1_as_fc, and LeNet: the layers it builds (each class with its arguments, as the notebook's table lists them),
forward, loss, backward, step, predict and a short train() with weights set through the documented attributes.
LeNet's initial weights are observed by shape, finiteness and reproducibility from the seed only, never by value:
the notebook names He initialisation but no test fixes the initial values (any scheme drawn from the seed is
accepted), so an init constant that only rescales them (a fan-in, `/` -> `//`) stays equivalent.

Assignment 5's: DilatedConvLayer and TransposedConvLayer through the conv unit (with their extra argument),
BatchNorm's gamma, beta, running_mean, running_var, output_array, gamma_grad, beta_grad and delta_array (named in
the notebook's text) over two training batches and an evaluation batch, and receptive_field and bottleneck_cost.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from ..checks.network import random_stack
from ..student import GradingTimeout, captured_output, time_limit

RTOL, ATOL = 1e-9, 1e-12


def observed(value):
    """A comparable form of what code produced: ('array', kind, shape, float64 values), or a plain value."""
    if isinstance(value, BaseException):
        return ("raised", type(value).__name__)
    if value is None or isinstance(value, (str, bool)):
        return value
    try:
        array = np.asarray(value)
    except Exception:
        return ("object", type(value).__name__)
    if array.dtype.kind not in "biuf":
        return ("object", type(value).__name__)
    kind = "f" if array.dtype.kind == "f" else "i"
    return ("array", kind, array.shape, array.astype(np.float64))


def same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple) and a[:1] == b[:1] == ("array",):
        return a[1:3] == b[1:3] and bool(np.allclose(a[3], b[3], rtol=RTOL, atol=ATOL, equal_nan=True))
    return a == b


def result_of(returned, obj, attribute):
    """What the tests judge: the returned value, or the documented attribute when the method returns None."""
    return returned if returned is not None else getattr(obj, attribute, None)


class Recorder:
    """Observations of one unit on one configuration: label -> observed value; a failure ends the scenario.

    Attributes are observed only when documented (named as self.<attribute> in a docstring of the solution; right
    after __init__, in the class's or __init__'s docstring)."""

    def __init__(self, documented: dict | None = None):
        self.values: dict[str, object] = {}
        self.documented = documented or {}

    def put(self, label, value):
        self.values[label] = observed(value)

    def attribute(self, label, obj, name, after_init=False):
        if name in self.documented.get("init" if after_init else "any", ()):
            self.values[label] = observed(getattr(obj, name)) if hasattr(obj, name) else ("no attribute", name)


def _activators(ns, data, rec):
    for name in ("ReluActivator", "IdentityActivator"):
        if name not in ns:
            continue
        unit = ns[name]()
        for key, value in data["values"].items():
            argument = value.copy() if isinstance(value, np.ndarray) else value
            rec.put(f"{name}.forward({key})", unit.forward(argument))
            rec.put(f"{name}.forward({key}) input after", argument)
            argument = value.copy() if isinstance(value, np.ndarray) else value
            rec.put(f"{name}.backward({key})", unit.backward(argument))
        outputs = data["relu_outputs"].copy()
        rec.put(f"{name}.backward(outputs with zeros)", unit.backward(outputs))


def _filter(ns, data, rec):
    w, h, d = data["size"]
    np.random.seed(data["seed"])
    f = ns["Filter"](w, h, d)
    for name in ("weights", "bias", "weights_grad", "bias_grad"):
        rec.attribute(f"Filter.{name} after __init__", f, name, after_init=True)
    rec.put("Filter.get_weights()", f.get_weights())
    rec.put("Filter.get_bias()", f.get_bias())
    f.weights, f.bias = data["weights"].copy(), data["bias"]
    f.weights_grad, f.bias_grad = data["weights_grad"].copy(), data["bias_grad"]
    f.update(data["learning_rate"])
    rec.attribute("Filter.weights after update", f, "weights")
    rec.attribute("Filter.bias after update", f, "bias")
    rec.put("Filter.get_weights() after update", f.get_weights())


def _conv_layer(ns, data, rec=None):
    """A ConvLayer of the configuration (its new filters recorded in `rec`), then given the configuration's weights."""
    c, h, w = data["input_shape"]
    fh, fw = data["filter_shape"]
    np.random.seed(data["seed"])
    layer = ns[data.get("class", "ConvLayer")](w, h, c, fw, fh, data["filter_number"], data["zero_padding"],
                                               data["stride"], *data.get("extra", ()), ns[data["activator"]](),
                                               data["learning_rate"])
    if rec is not None:
        _filters(rec, layer, "after __init__")
    for f, weights, bias in zip(layer.filters, data["weights"], data["biases"]):
        f.weights, f.bias = weights.copy(), float(bias)
    return layer


def _filters(rec, layer, when):
    for i, f in enumerate(layer.filters):
        for name in ("weights", "bias", "weights_grad", "bias_grad"):
            rec.attribute(f"filter {i} {name} {when}", f, name, after_init=when == "after __init__")


def _conv(ns, data, rec):
    """A ConvLayer, or (data['class']) a DilatedConvLayer or TransposedConvLayer with its extra argument."""
    name = data.get("class", "ConvLayer")
    cls = ns[name]
    for args in data["sizes"]:
        rec.put(f"{name}.calculate_output_size{args}", cls.calculate_output_size(*args))
    layer = _conv_layer(ns, data, rec)
    for name in ("output_width", "output_height", "output_array"):
        rec.attribute(f"{name} after __init__", layer, name, after_init=True)
    rec.put("number of filters", len(layer.filters))
    x = data["input_array"]
    argument = x.copy()
    rec.put("forward", result_of(layer.forward(argument), layer, "output_array"))
    rec.put("input after forward", argument)
    for name in ("output_array", "input_array", "padded_input_array"):
        rec.attribute(f"{name} after forward", layer, name)
    previous = ns[data["previous_activator"]]()
    sens = data["sensitivity_array"]
    if hasattr(cls, "bp_sensitivity_map"):
        rec.put("bp_sensitivity_map", result_of(layer.bp_sensitivity_map(sens.copy(), previous), layer, "delta_array"))
        layer.bp_gradient(sens.copy())
        _filters(rec, layer, "after bp_gradient")
        fresh = _conv_layer(ns, data)
        fresh.backward(x.copy(), sens.copy(), previous)
        rec.attribute("delta_array after backward", fresh, "delta_array")
        _filters(rec, fresh, "after backward")
        fresh.update()
        _filters(rec, fresh, "after update")


def _pool(ns, data, rec):
    name = data["class"]
    c, h, w = data["input_shape"]
    fh, fw = data["filter_shape"]
    layer = ns[name](w, h, c, fw, fh, data["stride"])
    for attribute in ("output_width", "output_height", "output_array"):
        rec.attribute(f"{name}.{attribute} after __init__", layer, attribute, after_init=True)
    for key in ("input_array", "ties"):
        x = data[key].copy()
        rec.put(f"{name}.forward({key})", result_of(layer.forward(x), layer, "output_array"))
        rec.put(f"{name}.backward({key})", result_of(layer.backward(x, data["sensitivity_array"].copy()), layer,
                                                        "delta_array"))
        rec.put(f"{name}: the {key} after forward and backward", x)


def _gradcheck(ns, data, rec):
    if "numerical_gradient" in ns:
        x = data["x"].copy()
        rec.put("numerical_gradient", ns["numerical_gradient"](lambda v: float(np.sum(np.sin(v) * v ** 2)), x))
        rec.put("x after numerical_gradient", x)
        rec.put("numerical_gradient(h=1e-3)", ns["numerical_gradient"](lambda v: float(np.sum(v ** 3)),
                                                                         data["x"].copy(), 1e-3))
    if "relative_error" in ns:
        for key, (a, b) in data["pairs"].items():
            rec.put(f"relative_error({key})", ns["relative_error"](np.copy(a), np.copy(b)))


def _answers(ns, data, rec):
    for name in data["names"]:
        rec.put(name, ns.get(name))


def _weights_form(rec, label, value):
    """Initial values observed by form only: shape and finiteness (no test fixes them)."""
    rec.put(f"{label} shape", np.shape(value))
    rec.put(f"{label} finite", bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64)))))


def _fc_layer(ns, data, rec=None):
    """A FullyConnectedLayer of the configuration (its new state recorded in `rec`), given the configuration's W, b."""
    np.random.seed(data["seed"])
    layer = ns["FullyConnectedLayer"](data["input_size"], data["output_size"], ns[data["activator"]](),
                                      data["learning_rate"])
    if rec is not None:
        if "W" in rec.documented.get("init", ()):
            _weights_form(rec, "W after __init__", getattr(layer, "W", None))
        for name in ("b", "W_grad", "b_grad"):
            rec.attribute(f"{name} after __init__", layer, name, after_init=True)
    layer.W, layer.b = data["W"].copy(), data["b"].copy()
    return layer


def _fc(ns, data, rec):
    layer = _fc_layer(ns, data, rec)
    x, sens = data["input_array"], data["sensitivity_array"]
    previous = ns[data["previous_activator"]]()
    argument = x.copy()
    rec.put("forward", result_of(layer.forward(argument), layer, "output_array"))
    rec.put("input after forward", argument)
    for name in ("output_array", "input_array"):
        rec.attribute(f"{name} after forward", layer, name)
    rec.put("bp_sensitivity_map", result_of(layer.bp_sensitivity_map(sens.copy(), previous), layer, "delta_array"))
    layer.bp_gradient(sens.copy())
    for name in ("W_grad", "b_grad"):
        rec.attribute(f"{name} after bp_gradient", layer, name)
    fresh = _fc_layer(ns, data)
    fresh.backward(x.copy(), sens.copy(), previous)
    for name in ("delta_array", "W_grad", "b_grad"):
        rec.attribute(f"{name} after backward", fresh, name)
    fresh.update()
    for name in ("W", "b"):
        rec.attribute(f"{name} after backward and update", fresh, name)
    fresh.W_grad, fresh.b_grad = data["W_grad"].copy(), data["b_grad"].copy()
    fresh.update()
    for name in ("W", "b"):
        rec.attribute(f"{name} after update with set gradients", fresh, name)


def _flatten(ns, data, rec):
    layer = ns["Flatten"]()
    x = data["input_array"].copy()
    rec.put("Flatten.forward", result_of(layer.forward(x), layer, "output_array"))
    rec.put("Flatten: input after forward", x)
    for name in ("input_shape", "output_array"):
        rec.attribute(f"Flatten.{name} after forward", layer, name)
    sens = data["sensitivity_array"].copy()
    rec.put("Flatten.backward", result_of(layer.backward(sens), layer, "delta_array"))
    rec.put("Flatten: sensitivity after backward", sens)


def _softmax(ns, data, rec):
    layer = ns["SoftmaxCrossEntropy"]()
    logits = data["logits"].copy()
    rec.put("SoftmaxCrossEntropy.forward", result_of(layer.forward(logits, data["label"]), layer, "loss"))
    rec.put("SoftmaxCrossEntropy: logits after forward", logits)
    for name in ("loss", "probabilities"):
        rec.attribute(f"SoftmaxCrossEntropy.{name} after forward", layer, name)
    rec.put("SoftmaxCrossEntropy.backward", result_of(layer.backward(), layer, "delta_array"))


def _network_size(ns, data, rec):
    for k, stack in enumerate(data["stacks"]):
        shape = tuple(stack["input_shape"])
        if "output_shapes" in ns:
            layers = [dict(layer) for layer in stack["layers"]]
            shapes = ns["output_shapes"](shape, layers)
            rec.put(f"stack {k}: output_shapes length", len(shapes))
            for i, value in enumerate(shapes):
                rec.put(f"stack {k}: output_shapes[{i}]", value)
            rec.put(f"stack {k}: layers after output_shapes", repr(layers))
        if "count_parameters" in ns:
            layers = [dict(layer) for layer in stack["layers"]]
            rec.put(f"stack {k}: count_parameters", ns["count_parameters"](shape, layers))
            rec.put(f"stack {k}: layers after count_parameters", repr(layers))


def _pair(rec, label, result):
    if isinstance(result, (tuple, list)) and len(result) == 2:
        rec.put(f"{label}[0]", result[0])
        rec.put(f"{label}[1]", result[1])
    else:
        rec.put(label, result)


def _layer_as_layer(ns, data, rec):
    if "fc_as_conv" in ns:
        W, b = data["W"].copy(), data["b"].copy()
        _pair(rec, "fc_as_conv", ns["fc_as_conv"](W, b, tuple(data["input_shape"])))
        rec.put("W after fc_as_conv", W)
        rec.put("b after fc_as_conv", b)
    if "conv1x1_as_fc" in ns:
        weights, biases = data["weights"].copy(), data["biases"].copy()
        _pair(rec, "conv1x1_as_fc", ns["conv1x1_as_fc"](weights, biases))
        rec.put("weights after conv1x1_as_fc", weights)
        rec.put("biases after conv1x1_as_fc", biases)


LENET_LAYERS = ("ConvLayer", "MaxPoolingLayer", "Flatten", "FullyConnectedLayer", "SoftmaxCrossEntropy")


def _argument_text(value) -> str:
    if value is None or isinstance(value, (bool, int, float, str, np.integer, np.floating)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    return type(value).__name__


def _construction_text(cls, args, kwargs) -> str:
    """`ConvLayer(input_width=8, ..., activator=ReluActivator)`: a layer as LeNet built it (arguments bound)."""
    try:
        bound = inspect.signature(cls).bind(*args, **kwargs).arguments
        parts = [f"{name}={_argument_text(value)}" for name, value in bound.items()]
    except (TypeError, ValueError):
        parts = [_argument_text(a) for a in args] + [f"{k}={_argument_text(v)}" for k, v in kwargs.items()]
    return f"{cls.__name__}({', '.join(parts)})"


def _built_lenet(ns, data, seed=None):
    """LeNet(learning_rate, seed) -> (the net, the layers it built with their arguments, in order of construction)."""
    built, saved = [], {name: ns[name] for name in LENET_LAYERS if name in ns}

    def recording(cls):
        class Recording(cls):
            def __init__(self, *args, **kwargs):
                built.append(_construction_text(cls, args, kwargs))
                super().__init__(*args, **kwargs)
        Recording.__name__ = Recording.__qualname__ = cls.__name__
        return Recording

    ns.update({name: recording(cls) for name, cls in saved.items() if isinstance(cls, type)})
    try:
        net = ns["LeNet"](data["learning_rate"], data["seed"] if seed is None else seed)
    finally:
        ns.update(saved)
    return net, built


def _lenet_layers(net):
    layers = net.layers
    return list(layers() if callable(layers) else layers)


def _lenet_parameters(net, suffix=""):
    """The weights (suffix '') or their gradients ('_grad') through the documented attributes."""
    conv, _, _, hidden, output, _ = _lenet_layers(net)
    weight, bias = ("weights_grad", "bias_grad") if suffix else ("weights", "bias")
    found = {}
    for k, f in enumerate(conv.filters):
        found[f"filters[{k}].{weight}"] = np.array(getattr(f, weight, None), copy=True)
        found[f"filters[{k}].{bias}"] = np.array(getattr(f, bias, None), copy=True)
    for name, layer in (("hidden", hidden), ("output", output)):
        for attribute in ("W", "b"):
            found[f"{name}.{attribute}{suffix}"] = np.array(getattr(layer, attribute + suffix, None), copy=True)
    return found


def _put_parameters(rec, when, parameters):
    for name, value in parameters.items():
        rec.put(f"{name} {when}", value)


def _set_lenet(net, data):
    conv, _, _, hidden, output, _ = _lenet_layers(net)
    for f, weights, bias in zip(conv.filters, data["conv_weights"], data["conv_bias"]):
        f.weights, f.bias = weights.copy(), float(bias)
    hidden.W, hidden.b = data["W1"].copy(), data["b1"].copy()
    output.W, output.b = data["W2"].copy(), data["b2"].copy()
    return net


def _lenet(ns, data, rec):
    net, built = _built_lenet(ns, data)
    for i, text in enumerate(built):
        rec.put(f"LeNet({data['learning_rate']}, {data['seed']}) builds layer {i}", text)
    rec.put("LeNet.layers() classes", repr([type(layer).__name__ for layer in _lenet_layers(net)]))
    initial = _lenet_parameters(net)
    for name, value in initial.items():
        _weights_form(rec, f"{name} after LeNet()", value)
    again = _lenet_parameters(_built_lenet(ns, data)[0])
    other = _lenet_parameters(_built_lenet(ns, data, data["seed"] + 1)[0])
    rec.put("the same seed gives the same initial weights",
            all(np.array_equal(initial[k], again[k]) for k in initial))
    rec.put("another seed gives other initial weights",
            any(not np.array_equal(initial[k], other[k]) for k in initial if k.endswith("weights") or k.endswith("W")))
    images, labels = data["images"], data["labels"]
    net = _set_lenet(net, data)
    for i, image in enumerate(images):
        argument = image.copy()
        rec.put(f"forward(image {i})", np.array(net.forward(argument), copy=True))
        rec.put(f"image {i} after forward", argument)
        rec.put(f"loss(image {i}, {labels[i]})", net.loss(image.copy(), labels[i]))
    net = _set_lenet(_built_lenet(ns, data)[0], data)
    net.loss(images[0].copy(), labels[0])
    net.backward()
    _put_parameters(rec, "after loss(image 0) and backward", _lenet_parameters(net, "_grad"))
    net = _set_lenet(_built_lenet(ns, data)[0], data)
    for i, image in enumerate(images):
        rec.put(f"step(image {i})", net.step(image.copy(), labels[i]))
        _put_parameters(rec, f"after step {i}", _lenet_parameters(net))
        _put_parameters(rec, f"after step {i}", _lenet_parameters(net, "_grad"))
    rec.put("predict(images)", net.predict(images.copy()))
    net = _set_lenet(_built_lenet(ns, data)[0], data)
    train = data["train"]
    returned = net.train(train["images"].copy(), train["labels"].copy(), train["epochs"], train["learning_rate"])
    rec.put("train", result_of(returned, net, "losses"))
    rec.attribute("losses after train", net, "losses")
    _put_parameters(rec, "after train", _lenet_parameters(net))
    rec.put("predict(images) after train", net.predict(images.copy()))


def _named(rec, label, obj, name):
    """An attribute the notebook names in its text (not as self.<name> in a docstring)."""
    rec.values[label] = observed(getattr(obj, name)) if hasattr(obj, name) else ("no attribute", name)


BATCH_NORM_STATE = ("gamma", "beta", "running_mean", "running_var")


def _batch_norm(ns, data, rec):
    c = data["channels"]
    layer = ns["BatchNorm"](c, *data["options"])
    for name in BATCH_NORM_STATE:
        _named(rec, f"BatchNorm.{name} after __init__", layer, name)
    layer.gamma, layer.beta = data["gamma"].copy(), data["beta"].copy()
    for k, x in enumerate(data["batches"]):
        argument = x.copy()
        rec.put(f"BatchNorm.forward(batch {k}, training)", result_of(layer.forward(argument, True), layer,
                                                                     "output_array"))
        rec.put(f"BatchNorm: batch {k} after forward", argument)
        for name in ("running_mean", "running_var", "output_array"):
            _named(rec, f"BatchNorm.{name} after training forward {k}", layer, name)
        sens = data["sensitivities"][k].copy()
        rec.put(f"BatchNorm.backward(batch {k})", result_of(layer.backward(sens), layer, "delta_array"))
        for name in ("gamma_grad", "beta_grad", "delta_array"):
            _named(rec, f"BatchNorm.{name} after backward {k}", layer, name)
    x = data["evaluation"].copy()
    rec.put("BatchNorm.forward(evaluation)", result_of(layer.forward(x, False), layer, "output_array"))
    for name in ("running_mean", "running_var"):
        _named(rec, f"BatchNorm.{name} after evaluation forward", layer, name)
    try:
        rec.put("BatchNorm.forward(one value per channel, training)",
                layer.forward(np.ones((1, c, 1, 1)), True))
    except Exception as exc:  # the notebook documents ValueError
        rec.put("BatchNorm.forward(one value per channel, training)", exc)


def _receptive(ns, data, rec):
    if "receptive_field" in ns:
        for k, layers in enumerate(data["stacks"]):
            argument = list(layers)
            rec.put(f"receptive_field(stack {k})", ns["receptive_field"](argument))
            rec.put(f"stack {k} after receptive_field", argument)
    if "bottleneck_cost" in ns:
        for k, (shape, filters, kernel, reduction) in enumerate(data["costs"]):
            if reduction is None:
                rec.put(f"bottleneck_cost(case {k}, no reduction)", ns["bottleneck_cost"](shape, filters, kernel))
            rec.put(f"bottleneck_cost(case {k})", ns["bottleneck_cost"](shape, filters, kernel, reduction))


def _nonzero(rng, shape):
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


class Configurations:
    """Random configurations for each unit, drawn once from a seed and shared by the solution and every mutant."""

    def __init__(self, seed: int, count: int):
        self.seed, self.count = seed, count

    def for_units(self, names: set[str]) -> list[tuple[str, dict]]:
        rng = np.random.default_rng(self.seed)
        found = []
        for i in range(self.count):
            if names & {"ReluActivator", "IdentityActivator"}:
                found.append(("activators", self.activators(rng)))
            if "Filter" in names:
                found.append(("filter", self.filter(rng, i)))
            if "ConvLayer" in names:
                found.append(("conv", self.conv(rng, i)))
            for pool in ("MaxPoolingLayer", "MeanPoolingLayer"):
                if pool in names:
                    found.append(("pool", self.pool(rng, pool)))
            if names & {"numerical_gradient", "relative_error"}:
                found.append(("gradcheck", self.gradcheck(rng)))
            if "FullyConnectedLayer" in names:
                found.append(("fc", self.fc(rng, i)))
            if "Flatten" in names:
                found.append(("flatten", self.flatten(rng)))
            if "SoftmaxCrossEntropy" in names:
                found.append(("softmax", self.softmax(rng)))
            if names & {"output_shapes", "count_parameters"}:
                found.append(("network_size", {"stacks": [random_stack(rng) for _ in range(2)]}))
            if names & {"fc_as_conv", "conv1x1_as_fc"}:
                found.append(("layer_as_layer", self.layer_as_layer(rng)))
            if "LeNet" in names:
                found.append(("lenet", self.lenet(rng, i)))
            for variant in ("DilatedConvLayer", "TransposedConvLayer"):
                if variant in names:
                    found.append(("conv", self.conv_variant(rng, i, variant)))
            if "BatchNorm" in names:
                found.append(("batch_norm", self.batch_norm(rng)))
            if names & {"receptive_field", "bottleneck_cost"}:
                found.append(("receptive", self.receptive(rng)))
        answers = sorted(n for n in names if n[:1].islower() and n not in FUNCTIONS)
        if answers:
            found.append(("answers", {"names": answers}))
        return found

    @staticmethod
    def activators(rng):
        shape = tuple(int(n) for n in rng.integers(1, 5, rng.integers(1, 4)))
        return {"values": {"array": _nonzero(rng, shape), "float": float(_nonzero(rng, ())),
                           "int": int(rng.integers(-3, 4))},
                "relu_outputs": np.where(rng.random(shape) < 0.4, 0.0, rng.uniform(0.1, 2, shape))}

    @staticmethod
    def filter(rng, i):
        w, h, d = (int(n) for n in rng.integers(1, 5, 3))
        return {"size": (w, h, d), "seed": i, "weights": rng.uniform(-1, 1, (d, h, w)), "bias": float(rng.uniform(-1, 1)),
                "weights_grad": _nonzero(rng, (d, h, w)), "bias_grad": float(_nonzero(rng, ())),
                "learning_rate": float(rng.choice([0.01, 0.1, 0.5]))}

    @staticmethod
    def conv(rng, i):
        c, k = (int(n) for n in rng.integers(1, 4, 2))
        fh, fw = (int(n) for n in rng.integers(1, 5, 2))
        p, s = int(rng.integers(0, 3)), int(rng.integers(1, 4))
        h, w = (int(n) for n in rng.integers(max(fh, fw), 9, 2))
        out_h, out_w = (h + 2 * p - fh) // s + 1, (w + 2 * p - fw) // s + 1
        previous = str(rng.choice(["ReluActivator", "IdentityActivator"]))
        x = rng.uniform(-1, 1, (c, h, w))
        if previous == "ReluActivator":
            x = np.maximum(x, 0)
        sizes = [tuple(int(n) for n in rng.integers(1, 6, 4)) for _ in range(3)]
        sizes = [(n + f, f, p_, s_) for n, f, p_, s_ in sizes]
        return {"input_shape": (c, h, w), "filter_shape": (fh, fw), "filter_number": k, "zero_padding": p,
                "stride": s, "activator": str(rng.choice(["ReluActivator", "IdentityActivator"])),
                "previous_activator": previous, "learning_rate": float(rng.choice([0.01, 0.1])), "seed": i,
                "weights": rng.uniform(-1, 1, (k, c, fh, fw)), "biases": rng.uniform(-1, 1, k), "input_array": x,
                "sensitivity_array": rng.uniform(-1, 1, (k, out_h, out_w)), "sizes": sizes}

    @staticmethod
    def pool(rng, name):
        c = int(rng.integers(1, 4))
        fh, fw = (int(n) for n in rng.integers(1, 4, 2))
        s = int(rng.integers(1, 4))
        h, w = (int(n) for n in rng.integers(max(fh, fw), 9, 2))
        out = (c, (h - fh) // s + 1, (w - fw) // s + 1)
        return {"class": name, "input_shape": (c, h, w), "filter_shape": (fh, fw), "stride": s,
                "input_array": rng.uniform(-1, 1, (c, h, w)),
                "ties": rng.integers(0, 3, (c, h, w)).astype(np.float64),
                "sensitivity_array": rng.uniform(-1, 1, out)}

    @staticmethod
    def gradcheck(rng):
        shape = tuple(int(n) for n in rng.integers(1, 4, rng.integers(1, 3)))
        a = rng.uniform(-1, 1, shape)
        zeros = a.copy()
        zeros.flat[0] = 0.0
        return {"x": rng.uniform(-1, 1, shape),
                "pairs": {"close": (a, a + rng.normal(scale=1e-3, size=shape)), "far": (a, rng.uniform(-1, 1, shape)),
                          "zeros": (zeros, zeros.copy()), "scalars": (float(a.flat[0]), float(a.flat[0]) * 1.01)}}


    @staticmethod
    def fc(rng, i):
        n, m = (int(v) for v in rng.integers(1, 9, 2))
        previous = str(rng.choice(["ReluActivator", "IdentityActivator"]))
        x = rng.uniform(-1, 1, (n, 1))
        if previous == "ReluActivator":
            x = np.maximum(x, 0)
        return {"input_size": n, "output_size": m, "activator": str(rng.choice(["ReluActivator", "IdentityActivator"])),
                "previous_activator": previous, "learning_rate": float(rng.choice([0.01, 0.1, 0.5])), "seed": i,
                "W": rng.uniform(-1, 1, (m, n)), "b": rng.uniform(-1, 1, (m, 1)), "input_array": x,
                "sensitivity_array": _nonzero(rng, (m, 1)), "W_grad": _nonzero(rng, (m, n)),
                "b_grad": _nonzero(rng, (m, 1))}

    @staticmethod
    def flatten(rng):
        shape = tuple(int(n) for n in rng.integers(1, 6, 3))
        return {"input_shape": shape, "input_array": rng.uniform(-1, 1, shape),
                "sensitivity_array": rng.uniform(-1, 1, (int(np.prod(shape)), 1))}

    @staticmethod
    def softmax(rng):
        classes = int(rng.integers(2, 13))
        scale = float(rng.choice([1.0, 10.0, 1000.0]))
        return {"classes": classes, "scale": scale, "logits": rng.uniform(-scale, scale, (classes, 1)),
                "label": int(rng.integers(0, classes))}

    @staticmethod
    def layer_as_layer(rng):
        shape = tuple(int(n) for n in rng.integers(1, 5, 3))
        out = int(rng.integers(1, 6))
        k, c = (int(n) for n in rng.integers(1, 6, 2))
        return {"input_shape": shape, "output_size": out, "W": rng.uniform(-1, 1, (out, int(np.prod(shape)))),
                "b": rng.uniform(-1, 1, (out, 1)), "filters": k, "channels": c,
                "weights": rng.uniform(-1, 1, (k, c, 1, 1)), "biases": rng.uniform(-1, 1, k)}

    @staticmethod
    def lenet(rng, i):
        def images(n):
            return rng.uniform(0, 1, (n, 1, 8, 8))

        return {"learning_rate": float(rng.choice([0.01, 0.05, 0.1])), "seed": i,
                "conv_weights": rng.normal(0, np.sqrt(2 / 9), (6, 1, 3, 3)), "conv_bias": rng.uniform(-0.1, 0.1, 6),
                "W1": rng.normal(0, np.sqrt(2 / 54), (64, 54)), "b1": rng.uniform(-0.1, 0.1, (64, 1)),
                "W2": rng.normal(0, np.sqrt(2 / 64), (10, 64)), "b2": rng.uniform(-0.1, 0.1, (10, 1)),
                "images": images(3), "labels": [int(v) for v in rng.integers(0, 10, 3)],
                "train": {"images": images(6), "labels": rng.integers(0, 10, 6), "epochs": 2,
                          "learning_rate": float(rng.choice([0.02, 0.2]))}}

    @staticmethod
    def conv_variant(rng, i, name):
        """A DilatedConvLayer (extra: dilation) or TransposedConvLayer (extra: output_padding) configuration."""
        c, k = (int(n) for n in rng.integers(1, 4, 2))
        fh, fw = (int(n) for n in rng.integers(1, 5, 2))
        p, s = int(rng.integers(0, 3)), int(rng.integers(1, 4))
        if name == "DilatedConvLayer":
            extra = int(rng.integers(1, 4))
            low = extra * (max(fh, fw) - 1) + 1
            h, w = (int(n) for n in rng.integers(max(low - 2 * p, 1), low + 6, 2))
            out_h, out_w = ((n + 2 * p - extra * (f - 1) - 1) // s + 1 for n, f in ((h, fh), (w, fw)))
            sizes = [(f * d + n, f, p_, s_, d) for n, f, p_, s_, d in (rng.integers(1, 6, 5) for _ in range(3))]
        else:
            extra = int(rng.integers(0, s))
            p = min(p, min(fh, fw) - 1)
            h, w = (int(n) for n in rng.integers(1, 6, 2))
            out_h, out_w = ((n - 1) * s - 2 * p + f + extra for n, f in ((h, fh), (w, fw)))
            sizes = [(n, f + 2 * p_, p_, s_, int(rng.integers(0, s_))) for n, f, p_, s_ in
                     (rng.integers(1, 6, 4) for _ in range(3))]
        sizes = [tuple(int(n) for n in size) for size in sizes]
        previous = str(rng.choice(["ReluActivator", "IdentityActivator"]))
        x = rng.uniform(-1, 1, (c, h, w))
        if previous == "ReluActivator":
            x = np.maximum(x, 0)
        return {"class": name, "extra": (extra,), "input_shape": (c, h, w), "filter_shape": (fh, fw),
                "filter_number": k, "zero_padding": p, "stride": s,
                "activator": str(rng.choice(["ReluActivator", "IdentityActivator"])), "previous_activator": previous,
                "learning_rate": float(rng.choice([0.01, 0.1])), "seed": i,
                "weights": rng.uniform(-1, 1, (k, c, fh, fw)), "biases": rng.uniform(-1, 1, k), "input_array": x,
                "sensitivity_array": rng.uniform(-1, 1, (k, out_h, out_w)), "sizes": sizes}

    @staticmethod
    def batch_norm(rng):
        c = int(rng.integers(1, 4))
        options = [(), (float(rng.choice([1e-3, 1e-1])),), (float(rng.choice([1e-3, 1e-1])), 0.3)][int(rng.integers(3))]

        def batch():
            n, h, w = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(2, 4))
            return rng.normal(rng.uniform(-2, 2), rng.uniform(0.5, 2), (n, c, h, w))

        batches = [batch() for _ in range(2)]
        return {"channels": c, "options": options, "gamma": rng.uniform(0.5, 2, c), "beta": rng.uniform(-1, 1, c),
                "batches": batches, "sensitivities": [rng.uniform(-1, 1, x.shape) for x in batches],
                "evaluation": batch()}

    @staticmethod
    def receptive(rng):
        stacks = [[tuple(int(v) for v in rng.integers(1, 5, 3)) for _ in range(int(rng.integers(1, 6)))]
                  for _ in range(2)]
        costs = [(tuple(int(v) for v in rng.integers(1, 65, 3)), int(rng.integers(1, 129)), int(rng.choice([1, 3, 5])),
                  None if rng.random() < 0.4 else int(rng.integers(1, 33))) for _ in range(2)]
        return {"stacks": stacks, "costs": costs}


FUNCTIONS = ("numerical_gradient", "relative_error", "output_shapes", "count_parameters", "fc_as_conv",
             "conv1x1_as_fc", "receptive_field", "bottleneck_cost")
UNITS = {"activators": _activators, "filter": _filter, "conv": _conv, "pool": _pool, "gradcheck": _gradcheck,
         "answers": _answers, "fc": _fc, "flatten": _flatten, "softmax": _softmax, "network_size": _network_size,
         "layer_as_layer": _layer_as_layer, "lenet": _lenet, "batch_norm": _batch_norm, "receptive": _receptive}


@dataclass(frozen=True)
class Difference:
    unit: str
    label: str
    configuration: str
    solution: object
    mutant: object

    def describe(self) -> str:
        return f"{self.label} differs ({self.unit}, {self.configuration}): solution {_short(self.solution)}, " \
               f"mutant {_short(self.mutant)}"


def _short(value) -> str:
    if isinstance(value, tuple) and value[:1] == ("array",):
        kind = "int" if value[1] == "i" else "float"
        if value[2] == ():
            return f"{value[3].item():.6g} ({kind})"
        return f"{kind} array of shape {value[2]}"
    return repr(value)


def _configuration_text(unit: str, data: dict) -> str:
    keys = ("input_shape", "filter_shape", "filter_number", "zero_padding", "stride", "activator",
            "previous_activator", "size", "class", "input_size", "output_size", "classes", "scale", "learning_rate",
            "seed", "extra", "channels", "options")
    shown = {k: data[k] for k in keys if k in data}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or unit


class Probe:
    """Observations of the solution on every configuration, then the first difference of each mutant, if any."""

    def __init__(self, solution_namespace: dict, configurations: list[tuple[str, dict]], documented: dict | None = None,
                 time_limit_s: float = 10):
        self.configurations, self.limit, self.documented = configurations, time_limit_s, documented or {}
        self.expected = [self.observe(solution_namespace, unit, data) for unit, data in configurations]

    def observe(self, ns: dict, unit: str, data: dict) -> dict:
        rec = Recorder(self.documented)
        try:
            with time_limit(self.limit), captured_output():
                UNITS[unit](ns, data, rec)
        except GradingTimeout:
            rec.values["(end)"] = ("timeout",)
        except Exception as exc:
            rec.values["(end)"] = observed(exc)
        else:
            rec.values["(end)"] = "completed"
        return rec.values

    def difference(self, mutant_namespace: dict) -> Difference | None:
        for (unit, data), expected in zip(self.configurations, self.expected):
            actual = self.observe(mutant_namespace, unit, data)
            for label in list(expected) + [k for k in actual if k not in expected]:
                a, b = expected.get(label, ("missing",)), actual.get(label, ("missing",))
                if not same(a, b):
                    return Difference(unit, label, _configuration_text(unit, data), a, b)
        return None
