"""The driver of numeric answers (any assignment)."""

from __future__ import annotations

from ..student import lookup
from .registry import driver


@driver
def answer(namespace, inputs, params, settings):
    """params: name -> {'value'}: the student's answer to a numeric question."""
    return {"value": lookup(namespace, params["name"], kind="answer")}
