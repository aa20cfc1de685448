"""Drivers: the only code that touches student objects. Each builds the student's objects for one case, calls
their methods and returns what they produced, untouched; judging happens elsewhere (checks/), on plain values.

Signature of every driver: (namespace, inputs, params, settings) -> dict of outputs. numpy only. One module per
concept, like checks/; its functions marked @driver are registered when it is imported below.
"""

from __future__ import annotations

from . import activators, answers, conv, gradient_checking, pooling  # noqa: F401 - the concepts: registers their drivers
from . import fully_connected, network  # noqa: F401 - assignment 4's concepts
from . import batch_norm, conv_variants, receptive  # noqa: F401 - assignment 5's concepts
from .registry import _REFERENCE, DRIVERS, _reference_units, driver, run_driver

__all__ = ["DRIVERS", "_REFERENCE", "_reference_units", "driver", "run_driver"]
