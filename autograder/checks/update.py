"""The gradient-descent update of a layer's parameters: one check base for every layer that has update()."""

from __future__ import annotations

import numpy as np

from ..student import Returned
from .base import PASS, Check, Verdict
from .diagnosis import judge_array


def update_mistakes(value, gradient, learning_rate, unchanged: str) -> dict:
    """What common gradient-descent mistakes would leave in a parameter (value - learning_rate * gradient is right)."""
    value, gradient = np.asarray(value, dtype=np.float64), np.asarray(gradient, dtype=np.float64)
    return {"update_sign": np.asarray(value + learning_rate * gradient),
            "learning_rate_ignored": np.asarray(value - gradient), unchanged: value}


class UpdateCheck(Check):
    """update(): one SGD step on every parameter, compared with torch.optim.SGD; the mistakes are shared.

    Subclasses list their PARAMETERS as (output key, input key of the value, input key of its gradient, label),
    generate the inputs, and read the student's values after update() (updated)."""

    PARAMETERS: tuple[tuple[str, str, str, str], ...] = ()

    def references(self, params, inputs, torch_ref):
        lr = params["learning_rate"]
        values = [inputs[value] for _, value, _, _ in self.PARAMETERS]
        gradients = [inputs[gradient] for _, _, gradient, _ in self.PARAMETERS]
        keys = [key for key, _, _, _ in self.PARAMETERS]
        refs = dict(zip(keys, torch_ref.sgd_step(values, gradients, lr)))  # the new values, then their mistakes
        for key, value, gradient in zip(keys, values, gradients):
            refs[f"{key}_alternatives"] = update_mistakes(value, gradient, lr, f"{key}_not_updated")
        return refs

    def updated(self, outputs: dict, key: str, label: str) -> Returned:
        """The student's value of one parameter after update()."""
        raise NotImplementedError

    def after(self, outputs: dict) -> Verdict:
        """Anything else update() must leave right once the parameters are (accessors, ...)."""
        return PASS

    def judge(self, params, inputs, outputs, refs, tol):
        for key, _, _, label in self.PARAMETERS:
            verdict = judge_array(label, self.updated(outputs, key, label), refs[key], tol,
                                  refs[f"{key}_alternatives"], require_float64=False)
            if not verdict.passed:
                return verdict
        return self.after(outputs)
