"""Activators: ReluActivator and IdentityActivator, forward and backward, on arrays and scalars."""

from __future__ import annotations

import numpy as np

from ..student import as_array
from .base import Check, Verdict, compare_array, nonzero, shape_text


class ActivatorCheck(Check):
    """forward / backward of ReluActivator or IdentityActivator, on an array or a scalar."""

    name, driver = "activator", "activator"

    def generate(self, params, rng):
        shape = tuple(params.get("shape", ()))
        if params["method"] == "forward":
            value = nonzero(rng, shape)
        elif params["activator"] == "ReluActivator":
            # outputs of ReLU: exact zeros on purpose, the derivative at output 0 must be 0
            value = np.where(rng.random(shape) < 0.4, 0.0, rng.uniform(0.1, 2.0, shape))
        else:
            value = nonzero(rng, shape)
        if params.get("scalar") == "int":
            return {"value": int(np.round(value * 3)) or -2}
        if params.get("scalar") == "float":
            return {"value": float(value)}
        return {"value": value}

    def references(self, params, inputs, torch_ref):
        x = np.asarray(inputs["value"], dtype=np.float64)
        relu, forward = params["activator"] == "ReluActivator", params["method"] == "forward"
        if forward:
            expected = torch_ref.relu(x) if relu else torch_ref.numpy(torch_ref.tensor(x).clone())
            alternatives = {"relu_not_applied": x, "relu_abs": np.abs(x), "relu_min": np.minimum(x, 0),
                            "derivative_instead_of_value": 1.0 * (x > 0)} if relu else {}
        else:
            t = torch_ref.tensor(x)
            expected = torch_ref.numpy((t > 0).double() if relu else torch_ref.torch.ones_like(t))
            alternatives = ({"relu_derivative_at_zero": 1.0 * (x >= 0), "value_instead_of_derivative": x,
                             "identity_derivative": np.ones_like(x)} if relu
                            else {"value_instead_of_derivative": x})
        return {"expected": expected, "alternatives": alternatives}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"{params['activator']}.{params['method']}"
        returned = as_array(outputs.get("result"), label)
        verdict = compare_array(label, returned, refs["expected"], tol, refs["alternatives"], require_float64=False)
        if verdict.passed and isinstance(inputs["value"], np.ndarray):
            after = as_array(outputs.get("input_after"), f"the array passed to {label}")
            if not np.array_equal(after.array, np.asarray(inputs["value"])):
                return Verdict.fail(f"{label} returned the right values but changed the array it was given.",
                                    "modified_input")
        return verdict

    def describe(self, params):
        what = f"a {params['scalar']} scalar" if params.get("scalar") else f"an array of shape {shape_text(params['shape'])}"
        return f"{params['activator']}.{params['method']} on {what}"


CHECKS = (ActivatorCheck(),)
