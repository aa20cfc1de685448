"""Drivers of batch normalization (assignment 5): BatchNorm(channel_number, eps, momentum) on (N, C, H, W) batches."""

from __future__ import annotations

import numpy as np

from ..student import StudentError, call, get_attribute, lookup
from .common import forward_at, snapshot
from .registry import driver

NAME = "BatchNorm"
SIGNATURE = "BatchNorm(channel_number, eps=1e-5, momentum=0.1)"
STATE = ("gamma", "beta", "running_mean", "running_var")


def build_batch_norm(namespace, params, inputs, initial: dict | None = None):
    """The student's BatchNorm for the case, with the case's gamma and beta set; `initial` gets what __init__ set."""
    channels = int(params["input_shape"][1])
    eps, momentum = float(params.get("eps", 1e-5)), float(params.get("momentum", 0.1))
    bn = call(f"{NAME}({channels}, {eps:g}, {momentum:g})", lookup(namespace, NAME), channels, eps, momentum,
              signature=SIGNATURE)
    if initial is not None:
        initial.update({key: snapshot(bn, key) for key in STATE})
    for key in ("gamma", "beta"):
        get_attribute(bn, key, NAME)  # a BatchNorm that keeps them elsewhere would ignore what is set below
        setattr(bn, key, np.array(inputs[key]))
    return bn


def _result(bn, returned) -> dict:
    """What a forward gave: its return value and output_array, copied (a layer may reuse its arrays)."""
    stored = getattr(bn, "output_array", None)
    return {"returned": returned.copy() if isinstance(returned, np.ndarray) else returned,
            "output_array": stored.copy() if isinstance(stored, np.ndarray) else stored}


def _raised(label, function, *args) -> str | None:
    """The name of the exception function(*args) raised (ValueError for any subclass of it), None if none."""
    try:
        function(*args)
    except NotImplementedError:
        raise StudentError(f"{label} is not implemented yet (it raises NotImplementedError)") from None
    except ValueError:
        return "ValueError"
    except Exception as exc:  # noqa: BLE001 - the judge says what should have been raised
        return type(exc).__name__
    return None


@driver
def bn_forward(namespace, inputs, params, settings):
    """__init__'s state; forward(batch, True) on every training batch (outputs, running statistics after each) or,
    for params.single, whether it raised (and whether a fresh layer raises on the control batch); then
    forward(eval_input, False), with the running statistics before and after it."""
    initial: dict = {}
    bn = build_batch_norm(namespace, params, inputs, initial)
    forward = get_attribute(bn, "forward", NAME)
    steps, raised = [], None
    for batch in inputs["batches"]:
        if params.get("single"):
            raised = _raised(f"{NAME}.forward(x, training=True)", forward, np.array(batch), True)
            continue
        result = _result(bn, call(f"{NAME}.forward(x, training=True)", forward, np.array(batch), True))
        steps.append({**result, **{key: snapshot(bn, key) for key in ("running_mean", "running_var")}})
    control = None
    if params.get("single"):  # a fresh layer trained on two values per channel: does it raise there too?
        fresh = build_batch_norm(namespace, params, inputs)
        control = _raised(f"{NAME}.forward(x, training=True)", get_attribute(fresh, "forward", NAME),
                          np.array(inputs["control"]), True)
    before = {key: snapshot(bn, key) for key in ("running_mean", "running_var")}
    evaluation = _result(bn, call(f"{NAME}.forward(x, training=False)", forward, np.array(inputs["eval_input"]), False))
    evaluation.update(running_before=before, running_after={key: snapshot(bn, key) for key in before})
    return {"initial": initial, "steps": steps, "raised": raised, "control_raised": control, "eval": evaluation}


@driver
def bn_backward(namespace, inputs, params, settings):
    """forward(x, True), then backward(sensitivity_array) -> returned value, delta_array, gamma_grad, beta_grad."""
    bn = build_batch_norm(namespace, params, inputs)
    call(f"{NAME}.forward(x, training=True)", get_attribute(bn, "forward", NAME), np.array(inputs["batches"][0]), True)
    before = snapshot(bn, "delta_array")
    returned = call(f"{NAME}.backward", get_attribute(bn, "backward", NAME), np.array(inputs["sensitivity_array"]))
    return {"returned": returned, "delta_array": getattr(bn, "delta_array", None), "delta_array_before": before,
            "gamma_grad": getattr(bn, "gamma_grad", None), "beta_grad": getattr(bn, "beta_grad", None)}


@driver
def bn_gradcheck(namespace, inputs, params, settings):
    """backward's result after a training forward, then the training forward at every point the grader sent."""
    bn = build_batch_norm(namespace, params, inputs)
    forward = get_attribute(bn, "forward", NAME)
    call(f"{NAME}.forward(x, training=True)", forward, np.array(inputs["batches"][0]), True)
    returned = call(f"{NAME}.backward", get_attribute(bn, "backward", NAME), np.array(inputs["sensitivity_array"]))
    delta_array = snapshot(bn, "delta_array")
    returned = returned.copy() if isinstance(returned, np.ndarray) else returned
    label = f"{NAME}.forward(x, training=True) (at a point of the gradient check)"
    return {"returned": returned, "delta_array": delta_array,
            "forward": forward_at(bn, lambda x: forward(x, True), label, inputs["points"])}
