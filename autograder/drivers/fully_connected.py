"""Drivers of fully connected layers, Flatten and the softmax cross-entropy loss (assignment 4)."""

from __future__ import annotations

import numpy as np

from ..student import call, get_attribute, lookup
from .common import activator_of, activator_probe, forward_at_points, instance, snapshot
from .registry import driver

FC_SIGNATURE = "FullyConnectedLayer(input_size, output_size, activator, learning_rate)"


def build_fc_layer(namespace, params, weights, bias, activator):
    """A student FullyConnectedLayer with the case's sizes, its W and b set to the case's."""
    cls = lookup(namespace, "FullyConnectedLayer")
    output_size, input_size = np.shape(weights)
    lr = params.get("learning_rate", 0.001)
    layer = call(f"FullyConnectedLayer({input_size}, {output_size}, {params['activator']}(), {lr})", cls,
                 input_size, output_size, activator, lr, signature=FC_SIGNATURE)
    for name in ("W", "b"):
        get_attribute(layer, name, "FullyConnectedLayer")  # a layer keeping them elsewhere would ignore what is set
    layer.W, layer.b = np.array(weights), np.array(bias)
    return layer


@driver
def fc_forward(namespace, inputs, params, settings):
    """forward(input_array) -> returned value, output_array (and its value before), the input_array kept."""
    layer = build_fc_layer(namespace, params, inputs["W"], inputs["b"], activator_of(namespace, params))
    before = snapshot(layer, "output_array")
    returned = call("FullyConnectedLayer.forward", get_attribute(layer, "forward", "FullyConnectedLayer"),
                    inputs["input_array"].copy())
    return {"returned": returned, "output_array": getattr(layer, "output_array", None), "output_array_before": before,
            "input_array": getattr(layer, "input_array", None), **activator_probe(namespace, params)}


def _gradients(layer) -> dict:
    return {"delta_array": snapshot(layer, "delta_array"), "W_grad": snapshot(layer, "W_grad"),
            "b_grad": snapshot(layer, "b_grad")}


@driver
def fc_backward(namespace, inputs, params, settings):
    """params.method: bp_sensitivity_map | bp_gradient (each after forward) | backward -> what they produced."""
    layer = build_fc_layer(namespace, params, inputs["W"], inputs["b"], activator_of(namespace, params))
    previous = activator_of(namespace, params, "previous_activator")
    x, sensitivity = inputs["input_array"].copy(), inputs["sensitivity_array"].copy()
    returned = None
    if params["method"] == "backward":
        call("FullyConnectedLayer.backward", get_attribute(layer, "backward", "FullyConnectedLayer"), x, sensitivity,
             previous)
    else:
        call("FullyConnectedLayer.forward (before backpropagation)",
             get_attribute(layer, "forward", "FullyConnectedLayer"), x)
        method = get_attribute(layer, params["method"], "FullyConnectedLayer")
        label = f"FullyConnectedLayer.{params['method']}"
        if params["method"] == "bp_sensitivity_map":
            returned = call(label, method, sensitivity, previous)
        else:
            call(label, method, sensitivity)
    return {"returned_delta": returned, **_gradients(layer),
            **activator_probe(namespace, params, "previous_activator", "backward")}


@driver
def fc_update(namespace, inputs, params, settings):
    """W_grad and b_grad set, then update() -> W and b after it."""
    layer = build_fc_layer(namespace, params, inputs["W"], inputs["b"], activator_of(namespace, params))
    layer.W_grad, layer.b_grad = inputs["W_grad"].copy(), inputs["b_grad"].copy()
    call("FullyConnectedLayer.update()", get_attribute(layer, "update", "FullyConnectedLayer"))
    return {"weights": getattr(layer, "W", None), "bias": getattr(layer, "b", None)}


def _assign_fc(layer, values: dict) -> None:
    layer.W, layer.b = np.array(values["weights"]), np.array(values["bias"])


@driver
def fc_gradcheck(namespace, inputs, params, settings):
    """The student's gradients (from backward), then the student's forward at every point the grader sent
    (inputs['points_<target>']: x, W or b +- h v); no difference is taken here."""
    layer = build_fc_layer(namespace, params, inputs["W"], inputs["b"], activator_of(namespace, params))
    identity = activator_of(namespace, {**params, "previous_activator": "IdentityActivator"}, "previous_activator")
    x = inputs["input_array"]
    call("FullyConnectedLayer.backward", get_attribute(layer, "backward", "FullyConnectedLayer"), x.copy(),
         inputs["sensitivity_array"].copy(), identity)
    outputs = _gradients(layer)
    forward = get_attribute(layer, "forward", "FullyConnectedLayer")
    outputs.update(forward_at_points(layer, forward, "FullyConnectedLayer.forward (at a point of the gradient check)",
                                     inputs, params.get("targets", ["input", "weights", "bias"]),
                                     {"weights": inputs["W"], "bias": inputs["b"]}, _assign_fc))
    return outputs


@driver
def flatten(namespace, inputs, params, settings):
    """Flatten().forward(input_array), then backward(sensitivity_array) when params.method is backward."""
    layer = instance(namespace, "Flatten")
    returned = call("Flatten.forward", get_attribute(layer, "forward", "Flatten"), inputs["input_array"].copy())
    outputs = {"returned": returned, "output_array": snapshot(layer, "output_array")}
    if params["method"] == "backward":
        delta = call("Flatten.backward", get_attribute(layer, "backward", "Flatten"), inputs["sensitivity_array"].copy())
        outputs.update({"returned_delta": delta, "delta_array": getattr(layer, "delta_array", None)})
    return outputs


@driver
def softmax_cross_entropy(namespace, inputs, params, settings):
    """SoftmaxCrossEntropy().forward(logits, label), then backward() when params.method is backward."""
    layer = instance(namespace, "SoftmaxCrossEntropy")
    label = int(inputs["label"])
    with np.errstate(all="ignore"):  # a loss that overflows is judged, not a crash
        returned = call("SoftmaxCrossEntropy.forward", get_attribute(layer, "forward", "SoftmaxCrossEntropy"),
                        inputs["logits"].copy(), label)
        outputs = {"returned": returned, "loss": getattr(layer, "loss", None),
                   "probabilities": snapshot(layer, "probabilities")}
        if params["method"] == "backward":
            delta = call("SoftmaxCrossEntropy.backward", get_attribute(layer, "backward", "SoftmaxCrossEntropy"))
            outputs.update({"returned_delta": delta, "delta_array": getattr(layer, "delta_array", None)})
    return outputs
