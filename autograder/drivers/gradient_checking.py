"""Drivers of the course's gradient-checking tools: numerical_gradient and relative_error."""

from __future__ import annotations

import numpy as np

from ..probes import GRADIENT_FUNCTIONS
from ..student import call, lookup
from .registry import driver


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
