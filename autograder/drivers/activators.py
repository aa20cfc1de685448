"""Drivers of the activators."""

from __future__ import annotations

import numpy as np

from ..student import call, get_attribute
from .common import instance
from .registry import driver


@driver
def activator(namespace, inputs, params, settings):
    """params: activator (class name), method ('forward' or 'backward'); inputs: value -> {'result'}."""
    unit = instance(namespace, params["activator"])
    method = get_attribute(unit, params["method"], params["activator"])
    value = inputs["value"]
    argument = value.copy() if isinstance(value, np.ndarray) else value
    result = call(f"{params['activator']}.{params['method']}", method, argument)
    return {"result": result, "input_after": argument}
