"""What drivers share: making the student's objects, their activators, snapshots, forward at many points."""

from __future__ import annotations

import numpy as np

from ..probes import ACTIVATOR_PROBE
from ..student import call, lookup
from .registry import reference_unit


def instance(namespace, class_name: str):
    cls = lookup(namespace, class_name)
    return call(f"{class_name}()", cls)


def activator_of(namespace, params, key: str = "activator"):
    """The activator a case asks for: the course's reference one when params say activator_source: reference and
    the grader sent it (hidden tests), else the student's own class."""
    name = params[key]
    if params.get("activator_source") == "reference" and reference_unit(name) is not None:
        return reference_unit(name)()
    return instance(namespace, name)


def activator_probe(namespace, params, key: str = "activator", method: str = "forward") -> dict:
    """{'<key>_probe': what the student's activator's method makes of ACTIVATOR_PROBE}, when the case uses the
    student's activator (checks.base.upstream_cause judges it)."""
    if params.get("activator_source") == "reference" and reference_unit(params[key]) is not None:
        return {}
    try:
        return {f"{key}_probe": getattr(instance(namespace, params[key]), method)(ACTIVATOR_PROBE.copy())}
    except Exception:  # noqa: BLE001 - a broken activator is judged by its own question
        return {f"{key}_probe": None}


def snapshot(obj, attribute: str):
    """A copy of obj.attribute before a call (None when absent), so a judge can tell whether the call wrote it."""
    value = getattr(obj, attribute, None)
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def forward_at(layer, forward, label: str, points, prepare=None) -> dict:
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


def forward_at_points(layer, forward, label: str, inputs: dict, targets, parameters: dict, assign) -> dict:
    """The gradient check's forward calls: for each target, forward_at every point the grader sent
    (inputs['points_<target>']) -> outputs['forward_<target>']. Target 'input' moves the input to each point;
    'weights' or 'bias' sets that parameter to it, assign(layer, {'weights': ..., 'bias': ...}), the other kept
    as given in `parameters`."""
    outputs = {}
    for target in targets:
        points = inputs[f"points_{target}"]

        def prepare(i, target=target, points=points):
            assign(layer, {**parameters, target: points[i]} if target != "input" else parameters)

        at = points if target == "input" else [inputs["input_array"]] * len(points)
        outputs[f"forward_{target}"] = forward_at(layer, forward, label, at, prepare)
    return outputs


def assign_filters(layer, values: dict) -> None:
    """A filter bank's weights (K, C, H, W) and biases (K,), filter by filter."""
    for f, w, b in zip(layer.filters, values["weights"], values["bias"]):
        f.weights, f.bias = np.array(w), float(b)
