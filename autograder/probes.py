"""Fixed inputs shared by the child's drivers and the grader's checks: numpy only, no student code.

The drivers feed them to the student's objects; the checks compute what the course's reference makes of the same
numbers. Kept here so that checks (grader side) and drivers (child side) never import each other.
"""

from __future__ import annotations

import numpy as np

# Fixed numbers a public check feeds the student's activator, so that a wrong activator is blamed, not the layer.
ACTIVATOR_PROBE = np.array([-1.5, -0.25, 0.0, 0.5, 2.0])

# Scalar functions students' numerical_gradient is tried on (torch twins in checks/gradient_checking.py give the exact
# gradients).
GRADIENT_FUNCTIONS = {
    "sum_of_squares": lambda x: float(np.sum(x ** 2)),
    "non_separable": lambda x: float(np.sum(np.sin(x) * np.roll(x.ravel(), 1).reshape(x.shape)) + np.sum(x) ** 2 / 10),
    "log_sum_exp": lambda x: float(np.log(np.sum(np.exp(x)))),
}
