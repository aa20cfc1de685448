"""Assignment 4's network checks: counting parameters and output shapes of described stacks (torch modules), FC
layers as convolutions and back, and LeNet (forward, loss, backward, step, predict, train), rebuilt in torch from
the weights the grader set or read through the documented attributes. This module ships with releases: the
digits themselves are loaded by the grader only (digits.py), and nothing here is the students' code.
"""

from __future__ import annotations

import numpy as np

from ..student import Returned, StudentError, as_array
from .base import PASS, Check, Verdict, compare_array, shape_text
from .diagnosis import judge_array

# The seed's Keras example (seed 004), a (3, 224, 224) input: 208 + 2,080 + 8,256 + 8,645 = 19,189 parameters.
KERAS_EXAMPLE = {"input_shape": [3, 224, 224], "layers": [
    {"type": "conv", "filters": 16, "kernel": 2, "stride": 1, "padding": 0}, {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 32, "kernel": 2, "stride": 1, "padding": 0}, {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 64, "kernel": 2, "stride": 1, "padding": 0}, {"type": "maxpool", "size": 2},
    {"type": "globalavgpool"}, {"type": "dense", "units": 133}]}


def torch_stack(torch_ref, input_shape, layers) -> tuple[int, list[tuple]]:
    """(parameter count, output shape after each layer) of the described stack, built from torch modules."""
    nn, torch = torch_ref.torch.nn, torch_ref.torch
    x = torch.zeros((1, *input_shape), dtype=torch.float64)
    count, shapes = 0, []
    with torch.no_grad():
        for layer in layers:
            kind = layer["type"]
            if kind == "conv":
                module = nn.Conv2d(x.shape[1], layer["filters"], layer["kernel"], stride=layer["stride"],
                                   padding=layer["padding"], dtype=torch.float64)
            elif kind == "maxpool":
                module = nn.MaxPool2d(layer["size"])
            elif kind == "globalavgpool":
                module = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
            else:
                module = nn.Sequential(nn.Flatten(), nn.LazyLinear(layer["units"], dtype=torch.float64))
            x = module(x)
            count += sum(p.numel() for p in module.parameters())
            shapes.append(tuple(int(n) for n in x.shape[1:]))
    return int(count), shapes


def random_stack(rng) -> dict:
    """A random valid stack on a non-square input: conv and max-pool layers, then global average pooling or not,
    then dense layers."""
    c, height, width = int(rng.integers(1, 5)), int(rng.integers(12, 41)), int(rng.integers(12, 41))
    if height == width:
        width += 1
    shape, layers = [c, height, width], []
    for _ in range(int(rng.integers(1, 4))):
        kernel, stride = int(rng.integers(1, 6)), int(rng.integers(1, 3))
        padding = int(rng.integers(0, 3))
        if (min(height, width) + 2 * padding - kernel) // stride + 1 < 2:
            break
        layers.append({"type": "conv", "filters": int(rng.integers(2, 33)), "kernel": kernel, "stride": stride,
                       "padding": padding})
        height, width = ((n + 2 * padding - kernel) // stride + 1 for n in (height, width))
        if min(height, width) >= 4 and rng.random() < 0.6:
            pool = int(rng.integers(2, 4))
            layers.append({"type": "maxpool", "size": pool})
            height, width = ((n - pool) // pool + 1 for n in (height, width))
    if rng.random() < 0.5:
        layers.append({"type": "globalavgpool"})
    for _ in range(int(rng.integers(1, 3))):
        layers.append({"type": "dense", "units": int(rng.integers(2, 200))})
    return {"input_shape": shape, "layers": layers}


def _stack_text(layer) -> str:
    return layer["type"] + "(" + ", ".join(f"{k}={v}" for k, v in layer.items() if k != "type") + ")"


class NetworkSizeCheck(Check):
    """count_parameters or output_shapes (params.function) of a described stack, against the same stack built from
    torch modules (Conv2d, MaxPool2d, AdaptiveAvgPool2d, Flatten + Linear)."""

    name, driver = "network_size", "network_size"

    def generate(self, params, rng):
        return KERAS_EXAMPLE if params.get("stack") == "keras_example" else random_stack(rng)

    def references(self, params, inputs, torch_ref):
        count, shapes = torch_stack(torch_ref, inputs["input_shape"], inputs["layers"])
        return {"count": count, "shapes": [list(s) for s in shapes]}

    def judge(self, params, inputs, outputs, refs, tol):
        value = outputs.get("value")
        if params["function"] == "count_parameters":
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                return Verdict.fail(f"count_parameters returned {type(value).__name__}; it should return an int.")
            if int(value) == refs["count"]:
                return PASS
            return Verdict.fail(f"count_parameters returned {int(value)}, expected {refs['count']} for "
                                f"{inputs['input_shape']} -> " + " -> ".join(_stack_text(x) for x in inputs["layers"]) + ".")
        if not isinstance(value, (list, tuple)) or len(value) != len(refs["shapes"]):
            return Verdict.fail(f"output_shapes should return a list of {len(refs['shapes'])} tuples, one per layer.")
        for i, (got, want) in enumerate(zip(value, refs["shapes"])):
            try:
                ok = [int(n) for n in got] == want and all(isinstance(n, (int, np.integer)) for n in got)
            except TypeError:
                ok = False
            if not ok:
                return Verdict.fail(f"output_shapes: layer {i + 1} ({_stack_text(inputs['layers'][i])}) gives "
                                    f"{got!r}, expected {tuple(want)}.")
        return PASS

    def describe(self, params):
        what = "the seed's Keras example" if params.get("stack") == "keras_example" else "a random stack"
        return f"{params['function']} on {what}"


class KerasParametersCheck(Check):
    """The notebook's answer keras_example_parameters, against the Keras example built from torch modules."""

    name, driver = "keras_parameters", "answer"
    random_inputs = False

    def references(self, params, inputs, torch_ref):
        if params.get("format_only"):
            return {}
        return {"value": torch_stack(torch_ref, KERAS_EXAMPLE["input_shape"], KERAS_EXAMPLE["layers"])[0]}

    def judge(self, params, inputs, outputs, refs, tol):
        value = outputs.get("value")
        if value is None or value is Ellipsis:
            return Verdict.fail(f"{params['name']} is not implemented yet: it is still {value!r}; assign your answer "
                                "to it.")
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            return Verdict.fail(f"{params['name']} should be an int, got {value!r}.")
        if params.get("format_only") or int(value) == refs["value"]:
            return PASS
        return Verdict.fail(f"{params['name']} = {int(value)} is not the number of parameters of the example.")

    def describe(self, params):
        return f"the answer {params['name']}"


class LayerAsLayerCheck(Check):
    """fc_as_conv and conv1x1_as_fc: the returned layer computes what the given one does (torch conv2d, linear)."""

    name, driver = "layer_as_layer", "layer_as_layer"

    def generate(self, params, rng):
        if params["function"] == "fc_as_conv":
            c, h, w = params["input_shape"]
            n = params["output_size"]
            return {"W": rng.uniform(-1, 1, (n, c * h * w)), "b": rng.uniform(-1, 1, (n, 1)),
                    "input_shape": [c, h, w], "x": rng.uniform(-1, 1, (c, h, w))}
        k, c, h, w = params["filters"], params["channels"], *params["map_size"]
        return {"weights": rng.uniform(-1, 1, (k, c, 1, 1)), "biases": rng.uniform(-1, 1, k),
                "x": rng.uniform(-1, 1, (c, h, w))}

    def references(self, params, inputs, torch_ref):
        t = torch_ref.tensor
        if params["function"] == "fc_as_conv":
            n, shape = inputs["W"].shape[0], tuple(int(v) for v in inputs["input_shape"])
            return {"first": torch_ref.numpy(t(inputs["W"]).reshape(n, *shape)),
                    "second": torch_ref.numpy(t(inputs["b"]).reshape(-1))}
        k, c = inputs["weights"].shape[:2]
        return {"first": torch_ref.numpy(t(inputs["weights"]).reshape(k, c)),
                "second": torch_ref.numpy(t(inputs["biases"]).reshape(k, 1))}

    def judge(self, params, inputs, outputs, refs, tol):
        names = (("weights", "biases") if params["function"] == "fc_as_conv" else ("W", "b"))
        for key, name in zip(("first", "second"), names):
            value = as_array(outputs.get(key), f"{params['function']}'s {name}")
            verdict = compare_array(f"the {name} {params['function']} returned", value, refs[key], tol,
                                    require_float64=False)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        if params["function"] == "fc_as_conv":
            c, h, w = params["input_shape"]
            return f"fc_as_conv: a fully connected layer to {params['output_size']} outputs on a {c}x{h}x{w} input"
        return f"conv1x1_as_fc: {params['filters']} 1x1 filters over {params['channels']} channels"


# ---- LeNet --------------------------------------------------------------------------------------------------------

PARAMETERS = ("conv_weights", "conv_bias", "W1", "b1", "W2", "b2")
PARAMETER_LABELS = {"conv_weights": "the conv layer's filters' weights", "conv_bias": "the conv layer's filters' biases",
                    "W1": "the hidden FC layer's W", "b1": "the hidden FC layer's b", "W2": "the output FC layer's W",
                    "b2": "the output FC layer's b"}
GRADIENT_ATTRIBUTES = {"conv_weights": "weights_grad", "conv_bias": "bias_grad", "W1": "W_grad", "b1": "b_grad",
                       "W2": "W_grad", "b2": "b_grad"}


def lenet_parameters(rng) -> dict:
    """He-initialised weights and small random biases of the network, as the tests set them."""
    return {"conv_weights": rng.normal(0, np.sqrt(2 / 9), (6, 1, 3, 3)), "conv_bias": rng.uniform(-0.1, 0.1, 6),
            "W1": rng.normal(0, np.sqrt(2 / 54), (64, 54)), "b1": rng.uniform(-0.1, 0.1, (64, 1)),
            "W2": rng.normal(0, np.sqrt(2 / 64), (10, 64)), "b2": rng.uniform(-0.1, 0.1, (10, 1))}


class TorchLeNet:
    """The network in torch, float64, from the six parameter arrays: conv 3x3 -> ReLU -> max pool 2 -> flatten ->
    linear 54->64 -> ReLU -> linear 64->10; the loss is F.cross_entropy."""

    def __init__(self, torch_ref, parameters: dict, requires_grad: bool = False):
        self.ref, self.F = torch_ref, torch_ref.torch.nn.functional
        self.p = {k: torch_ref.tensor(np.asarray(parameters[k], np.float64)).requires_grad_(requires_grad)
                  for k in PARAMETERS}

    def logits(self, images):
        """images (N, 1, 8, 8) -> logits (N, 10), a tensor."""
        p, F = self.p, self.F
        x = self.ref.tensor(images)
        h = F.max_pool2d(F.relu(F.conv2d(x, p["conv_weights"], p["conv_bias"])), 2)
        h = F.relu(F.linear(h.reshape(h.shape[0], -1), p["W1"], p["b1"].reshape(-1)))
        return F.linear(h, p["W2"], p["b2"].reshape(-1))

    def loss(self, image, label):
        label = self.ref.torch.tensor([int(label)], device=self.ref.device)
        return self.F.cross_entropy(self.logits(np.asarray(image)[None]), label)

    def gradients(self, image, label) -> tuple[float, dict]:
        for t in self.p.values():
            t.grad = None
        value = self.loss(image, label)
        value.backward()
        return float(value.detach()), {k: self.ref.numpy(t.grad) for k, t in self.p.items()}

    def values(self) -> dict:
        return {k: self.ref.numpy(t) for k, t in self.p.items()}

    def predictions(self, images) -> np.ndarray:
        with self.ref.torch.no_grad():
            return self.ref.numpy(self.logits(images).argmax(dim=1)).astype(int)


def student_parameters(values: dict, label: str) -> dict:
    """The six arrays as the student's layers hold them (per-filter lists stacked), shapes as the course's."""
    if not isinstance(values, dict):
        raise StudentError(f"{label}: could not read the layers' parameters")
    out = {}
    for key in PARAMETERS:
        value = values.get(key)
        if isinstance(value, list):
            if any(v is None for v in value):
                raise StudentError(f"{label}: {PARAMETER_LABELS[key]} are missing (None)")
            arrays = [as_array(v, f"{label}: {PARAMETER_LABELS[key]}").array for v in value]
            if len({a.shape for a in arrays}) > 1:
                raise StudentError(f"{label}: {PARAMETER_LABELS[key]} have different shapes")
            out[key] = np.stack(arrays)
        else:
            if value is None:
                raise StudentError(f"{label}: {PARAMETER_LABELS[key]} is None")
            out[key] = as_array(value, f"{label}: {PARAMETER_LABELS[key]}").array
    return out


# The network's parameters as the course's layers hold them: (shape, whether any array of that size is accepted and
# reshaped: per-filter biases of shape (1,) or a conv weight without its channel axis are the same numbers).
SHAPES = {"conv_weights": ((6, 1, 3, 3), True), "conv_bias": ((6,), True), "W1": ((64, 54), False),
          "b1": ((64, 1), True), "W2": ((10, 64), False), "b2": ((10, 1), True)}


def network_parameters(values: dict, label: str) -> dict:
    """student_parameters with the network's shapes required, before the grader builds the network in torch from
    them (a network of another size is a StudentError that names the shapes, never a torch error or a tensor as
    large as a submission likes)."""
    parameters = student_parameters(values, label)
    for key, (shape, by_size) in SHAPES.items():
        array = parameters[key]
        if array.shape != shape and not (by_size and array.size == int(np.prod(shape))):
            raise StudentError(f"{label}: the shape of {PARAMETER_LABELS[key]} is {shape_text(array.shape)}; in "
                               f"LeNet it is {shape_text(shape)}")
        parameters[key] = array.reshape(shape)
    return parameters


def _returned(array) -> Returned:
    """A parameter array the driver read, as a Returned for the comparisons."""
    return Returned(array=np.asarray(array, np.float64), dtype="float64", kind="array")


def _scalar(value, label: str):
    """A loss the student returned: one number (a size-1 array is accepted)."""
    array = as_array(value, label).array
    if array.size != 1:
        raise StudentError(f"{label} returned shape {shape_text(array.shape)}; it should return one number")
    return float(array.reshape(()))


class LeNetCheck(Check):
    """LeNet's forward, loss, backward, step or predict (params.method) with the weights the grader set through the
    documented attributes, against the same network in torch (autograd, one SGD step by hand)."""

    name, driver = "lenet", "lenet"

    def generate(self, params, rng):
        count = params.get("images", 1)
        return {"parameters": lenet_parameters(rng), "images": rng.uniform(0, 1, (count, 1, 8, 8)),
                "labels": rng.integers(0, 10, count).astype(float)}

    def references(self, params, inputs, torch_ref):
        method, images, labels = params["method"], inputs["images"], [int(v) for v in inputs["labels"]]
        net = TorchLeNet(torch_ref, inputs["parameters"], requires_grad=method in ("backward", "step"))
        if method == "forward":
            with torch_ref.torch.no_grad():
                return {"logits": torch_ref.numpy(net.logits(images))[:, :, None]}
        if method == "loss":
            with torch_ref.torch.no_grad():
                return {"loss": [float(net.loss(x, y)) for x, y in zip(images, labels)]}
        if method == "predict":
            return {"predictions": net.predictions(images)}
        if method == "backward":
            loss, gradients = net.gradients(images[0], labels[0])
            return {"loss": [loss], "gradients": gradients}
        lr, losses, after = params["learning_rate"], [], []
        for image, label in zip(images, labels):
            loss, gradients = net.gradients(image, label)
            with torch_ref.torch.no_grad():
                for key, t in net.p.items():
                    t -= lr * torch_ref.tensor(gradients[key])
            losses.append(loss)
            after.append(net.values())
        return {"loss": losses, "parameters": after}

    def judge(self, params, inputs, outputs, refs, tol):
        method = params["method"]
        if method == "forward":
            logits = outputs.get("logits") or []
            for i, (value, expected) in enumerate(zip(logits, refs["logits"])):
                verdict = compare_array(f"the logits LeNet.forward returned for image {i + 1}",
                                        as_array(value, "LeNet.forward"), expected, tol, require_float64=False)
                if not verdict.passed:
                    return verdict
            return PASS
        if method == "predict":
            predictions = as_array(outputs.get("predictions"), "LeNet.predict").array
            expected = np.asarray(refs["predictions"], np.float64)
            if predictions.shape != expected.shape:
                return Verdict.fail(f"LeNet.predict returned shape {shape_text(predictions.shape)}, expected "
                                    f"{shape_text(expected.shape)} (one class per image).")
            wrong = np.flatnonzero(predictions != expected)
            if len(wrong):
                return Verdict.fail(f"LeNet.predict disagrees with the largest logit for {len(wrong)} of "
                                    f"{len(expected)} images (first: image {wrong[0] + 1}, class {predictions[wrong[0]]:g} "
                                    f"instead of {expected[wrong[0]]:g}).")
            return PASS
        if method == "step":
            return self._steps(inputs, outputs, refs, tol, params.get("layers_source") == "reference",
                               params["learning_rate"])
        verdict = self._losses(method, outputs.get("loss"), refs["loss"], tol)
        if not verdict.passed:
            return verdict
        if method == "backward":
            gradients = student_parameters(outputs.get("gradients"), "after LeNet.backward")
            for key in PARAMETERS:
                verdict = compare_array(f"{PARAMETER_LABELS[key]}' gradients ({GRADIENT_ATTRIBUTES[key]}) after "
                                        "LeNet.backward", _returned(gradients[key]), refs["gradients"][key], tol,
                                        require_float64=False)
                if not verdict.passed:
                    return verdict
            return PASS
        return PASS

    @staticmethod
    def _right_gradients(gradients, i, before, expected, lr, tol) -> bool:
        """Did the student's layers hold torch's gradients after step i (read off the step torch took)?"""
        try:
            actual = student_parameters(gradients[i], "gradients")
        except (StudentError, TypeError, IndexError, KeyError):
            return False
        return all(compare_array("gradient", _returned(actual[key]),
                                 (np.asarray(before[key], np.float64) - np.asarray(expected[key], np.float64)) / lr,
                                 tol, require_float64=False).passed for key in PARAMETERS)

    def _steps(self, inputs, outputs, refs, tol, course_layers: bool, lr: float) -> Verdict:
        """Step by step: the loss it returned (from the weights before it), then the weights after it.

        An uphill step is the update's sign with the course's layers, or when the student's layers held the right
        gradients; otherwise a cross-entropy gradient of the wrong sign, which negates every gradient, lands on
        exactly the same weights, and neither is named alone."""
        losses, values = outputs.get("loss"), outputs.get("parameters")
        if not isinstance(values, list) or len(values) != len(refs["parameters"]):
            raise StudentError("LeNet.step: the weights could not be read after every step")
        for i, expected in enumerate(refs["parameters"]):
            before = inputs["parameters"] if i == 0 else refs["parameters"][i - 1]
            # the step taken uphill lands as far on the other side of `before`; no step leaves `before`
            uphill = ("step_update_sign",) if course_layers or self._right_gradients(
                outputs.get("gradients"), i, before, expected, lr, tol) else ("step_update_sign", "ce_gradient_sign")
            alternatives = {key: {**dict.fromkeys(uphill, 2 * np.asarray(before[key]) - np.asarray(expected[key])),
                                  "step_without_update": before[key]} for key in PARAMETERS}
            verdict = self._losses("step", (losses or [])[:i + 1] if isinstance(losses, list) else losses,
                                   refs["loss"][:i + 1], tol)
            if not verdict.passed:
                return verdict
            actual = student_parameters(values[i], f"after step {i + 1}")
            for key in PARAMETERS:
                verdict = judge_array(f"{PARAMETER_LABELS[key]} after LeNet.step number {i + 1}",
                                      _returned(actual[key]), expected[key], tol, alternatives[key],
                                      require_float64=False)
                if not verdict.passed:
                    return verdict
        return PASS

    @staticmethod
    def _losses(method, losses, expected, tol) -> Verdict:
        if not isinstance(losses, list) or len(losses) != len(expected):
            raise StudentError(f"LeNet.{'loss' if method != 'step' else 'step'} did not return a loss for every call")
        for i, (value, want) in enumerate(zip(losses, expected)):
            got = _scalar(value, f"LeNet.{'step' if method == 'step' else 'loss'}")
            if not np.isfinite(got) or abs(got - want) > tol.atol + tol.rtol * abs(want):
                where = f"step {i + 1}" if method == "step" else f"image {i + 1}"
                return Verdict.fail(f"the loss LeNet returned for {where} is {got:.10g}, expected {want:.10g} (torch "
                                    "F.cross_entropy of the same network).")
        return PASS

    def describe(self, params):
        layers = ", with the course's layers" if params.get("layers_source") == "reference" else ", with your layers"
        count = params.get("images", 1)
        return f"LeNet.{params['method']} on {count} image{'s' if count > 1 else ''}{layers}"


class LeNetLayersCheck(Check):
    """LeNet(learning_rate, seed) builds exactly the network's six layers, with the arguments the notebook's table
    gives (the driver records what each layer class was built with; a layer is judged by its arguments, in the
    order of the course's signatures, and its activators by class)."""

    name, driver = "lenet_layers", "lenet_layers"
    random_inputs = False

    def references(self, params, inputs, torch_ref):
        lr = params["learning_rate"]
        return {"layers": [("ConvLayer", [8, 8, 1, 3, 3, 6, 0, 1, "ReluActivator()", lr]),
                           ("MaxPoolingLayer", [6, 6, 6, 2, 2, 2]), ("Flatten", []),
                           ("FullyConnectedLayer", [54, 64, "ReluActivator()", lr]),
                           ("FullyConnectedLayer", [64, 10, "IdentityActivator()", lr]), ("SoftmaxCrossEntropy", [])]}

    def judge(self, params, inputs, outputs, refs, tol):
        built = outputs.get("layers")
        if not isinstance(built, list) or len(built) != len(refs["layers"]):
            return Verdict.fail("could not read the layers LeNet built.")
        for position, (layer, (name, arguments)) in enumerate(zip(built, refs["layers"]), start=1):
            expected = f"{name}({', '.join(map(_text, arguments))})"
            if not isinstance(layer, dict):
                return Verdict.fail(f"LeNet's layer {position} was not built from the course's layer classes by "
                                    f"LeNet(learning_rate, seed); the table says {expected}.")
            got = f"{layer.get('class')}({', '.join(map(_text, layer.get('arguments') or []))})"
            if got != expected:
                return Verdict.fail(f"LeNet's layer {position} is {got}; the table in the notebook says {expected}.")
        return PASS

    def describe(self, params):
        return f"the six layers LeNet({params['learning_rate']}, {params.get('seed', 0)}) builds, and their arguments"


def _text(value) -> str:
    """An argument as the table writes it: numbers as Python writes them, activators by class (no quotes)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


class LeNetTrainCheck(Check):
    """LeNet(learning_rate, seed).train on the digits' training part with course.yml's epochs and learning rate;
    the grader reads the trained weights, computes the held-out accuracy from its own torch logits, and checks
    predict on probe images. params.minimum_accuracy: the accuracy for a pass; params.partial_from: below it, no
    credit; in between, credit grows linearly."""

    name, driver = "lenet_train", "lenet_train"
    uses_training = True
    PROBES = 100  # training images predict() is checked on

    def generate(self, params, rng):
        from ..digits import training_part

        images, labels = training_part()
        count = params.get("training_images", len(labels))
        return {"images": images[:count], "labels": labels[:count].astype(float),
                "probes": images[:min(count, self.PROBES)]}

    def references(self, params, inputs, torch_ref):
        if not params.get("held_out"):  # a public case ships its references: the held-out digits never do
            return {}
        from ..digits import held_out_part

        images, labels = held_out_part()
        return {"held_out_images": images, "held_out_labels": labels.astype(float)}

    def judge(self, params, inputs, outputs, refs, tol):
        if outputs.get("initial_again") is not None:
            first = network_parameters(outputs.get("initial"), f"after LeNet({params['learning_rate']}, {params['seed']})")
            again = network_parameters(outputs.get("initial_again"), "after the same LeNet built first")
            differing = [PARAMETER_LABELS[key] for key in PARAMETERS if not np.array_equal(first[key], again[key])]
            if differing:
                return Verdict.fail(f"two LeNet({params['learning_rate']}, {params['seed']}) built with numpy's global "
                                    f"random state in different states start from different weights ("
                                    f"{', '.join(differing)}): draw every initial weight from "
                                    "np.random.default_rng(seed), as section 7 says.")
        losses = outputs.get("returned")
        losses = losses if losses is not None else outputs.get("losses")
        losses = as_array(losses, "LeNet.train").array.ravel()
        if losses.size != params["epochs"] or not np.all(np.isfinite(losses)):
            return Verdict.fail(f"LeNet.train should return the mean loss of each of the {params['epochs']} epochs "
                                f"(finite numbers); it returned {losses.size} value(s).")
        parameters = network_parameters(outputs.get("parameters"), "after LeNet.train")
        from ..references import TorchReference

        torch_ref = TorchReference("cpu")
        if not params.get("held_out"):  # a short run: the same SGD in torch, from the weights train() started with
            verdict = self._replayed(params, inputs, outputs, losses, parameters, torch_ref, tol)
            if not verdict.passed:
                return verdict
        net = TorchLeNet(torch_ref, parameters)
        probes = net.predictions(inputs["probes"])
        predicted = as_array(outputs.get("predictions"), "LeNet.predict").array.ravel()
        if predicted.shape != probes.shape or np.any(predicted != probes):
            return Verdict.fail("after training, LeNet.predict disagrees with the largest logit of the trained network "
                                "(computed by the grader from its weights) on some training images.")
        if not params.get("held_out"):
            return PASS
        accuracy = float(np.mean(net.predictions(refs["held_out_images"]) == np.asarray(refs["held_out_labels"])))
        minimum, floor = float(params["minimum_accuracy"]), float(params.get("partial_from", params["minimum_accuracy"]))
        if accuracy >= minimum:
            return PASS
        message = (f"after train({params['epochs']} epochs, learning rate {params['learning_rate']}) the network "
                   f"classifies {accuracy:.1%} of the held-out digits correctly; this test asks for {minimum:.0%}. "
                   "The mean losses per epoch were " + ", ".join(f"{v:.3f}" for v in losses) + ".")
        if floor < minimum and accuracy > floor:  # linear credit between the floor and the minimum
            return Verdict.partial(message, (accuracy - floor) / (minimum - floor))
        return Verdict.fail(message)

    @staticmethod
    def _replayed(params, inputs, outputs, losses, parameters, torch_ref, tol) -> Verdict:
        """train() against plain SGD in torch: one step per image, in the given order, at the given learning rate,
        from the weights the network had before train(); the mean losses per epoch and the final weights."""
        net = TorchLeNet(torch_ref, network_parameters(outputs.get("initial"), "before LeNet.train"),
                         requires_grad=True)
        lr, expected = params["learning_rate"], []
        for _ in range(params["epochs"]):
            total = 0.0
            for image, label in zip(inputs["images"], inputs["labels"]):
                value, gradients = net.gradients(image, int(label))
                with torch_ref.torch.no_grad():
                    for key, t in net.p.items():
                        t -= lr * torch_ref.tensor(gradients[key])
                total += value
            expected.append(total / len(inputs["labels"]))
        verdict = compare_array("the mean losses per epoch LeNet.train returned", _returned(losses),
                                np.array(expected), tol, require_float64=False)
        if not verdict.passed:
            return Verdict.fail(verdict.message + " Expected: plain SGD, one step per image in the given order, "
                                "the mean of the losses step returned in each epoch.")
        trained = net.values()
        for key in PARAMETERS:
            verdict = compare_array(f"{PARAMETER_LABELS[key]} after LeNet.train", _returned(parameters[key]),
                                    trained[key], tol, require_float64=False)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        if params.get("reproducible"):
            return (f"LeNet({params['learning_rate']}, {params.get('seed', 0)}) built twice, numpy's global random "
                    f"state different each time, then trained on the first {params.get('training_images')} digits")
        layers = "the course's layers" if params.get("layers_source") == "reference" else "your layers"
        what = (f"held-out accuracy at least {float(params['minimum_accuracy']):.0%}" if params.get("held_out")
                else f"the first {params.get('training_images')} training digits")
        return f"LeNet.train with {layers}: {params['epochs']} epochs at learning rate {params['learning_rate']}, {what}"


class LeNetOwnLayersCheck(LeNetTrainCheck):
    """A report without points: LeNet built from the student's OWN layers, trained by its step() on the training
    part (course.yml's epochs and learning rate) for as long as the test's time allows; the grader computes the
    held-out accuracy of the weights it reached from its own torch logits. It fails only when the network cannot
    be trained at all (an error): how fast or how well the student's layers learn earns and costs nothing."""

    name, driver = "lenet_own_layers", "lenet_own_training"

    def generate(self, params, rng):
        from ..digits import training_part

        images, labels = training_part()
        return {"images": images, "labels": labels.astype(float)}

    def judge(self, params, inputs, outputs, refs, tol):
        total, per_epoch = params["epochs"] * len(inputs["labels"]), len(inputs["labels"])
        steps = outputs.get("steps")
        if not isinstance(steps, int) or not 0 <= steps <= total:
            return Verdict.fail("the report could not tell how many training steps your network took.")
        head = (f"No points, a report. LeNet with your own layers, trained by LeNet.step one image at a time "
                f"({params['epochs']} epochs at learning rate {params['learning_rate']}, as in the accuracy test, which "
                "uses the course's layers): ")
        if steps == 0:
            return Verdict(True, head + "your layers did not finish one step in the time this report allows (the "
                                        "course's layers train all the epochs in about ten seconds).")
        parameters = network_parameters(outputs.get("parameters"), "after training with your own layers")
        if steps == total:
            done = f"after all {params['epochs']} epochs, the weights your layers reached"
        else:
            done = (f"in the {_seconds(outputs.get('seconds'))} this report allows, your layers trained "
                    f"{steps / per_epoch:.2f} of the {params['epochs']} epochs ({steps} of {total} steps; faster "
                    "layers would train them all); the weights they reached")
        if not all(np.all(np.isfinite(parameters[key])) for key in PARAMETERS):
            return Verdict(True, head + f"{done} are not finite (nan or inf): look at the softmax and the gradients "
                                        "your layers compute.")
        from ..references import TorchReference

        net = TorchLeNet(TorchReference("cpu"), parameters)
        accuracy = float(np.mean(net.predictions(refs["held_out_images"]) == np.asarray(refs["held_out_labels"])))
        return Verdict(True, head + f"{done} classify {accuracy:.1%} of the held-out digits correctly (computed by "
                                    "the grader from those weights).")

    def describe(self, params):
        return (f"a report without points: LeNet.step with your own layers, {params['epochs']} epochs at learning "
                f"rate {params['learning_rate']}, held-out accuracy")


def _seconds(value) -> str:
    """A duration the child reported, for a message only (never a verdict)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return "time"
    return f"{seconds:.0f} s" if np.isfinite(seconds) and 0 <= seconds < 1e5 else "time"


CHECKS = (NetworkSizeCheck(), KerasParametersCheck(), LayerAsLayerCheck(), LeNetCheck(), LeNetLayersCheck(),
          LeNetTrainCheck(),
          LeNetOwnLayersCheck())
