"""Activators: each forward value with its derivative right below it."""

import numpy as np


class ReluActivator:
    """ReLU, max(0, x), for scalars and arrays of any shape."""

    def forward(self, weighted_input):
        """weighted_input: scalar or array of any shape -> same shape, max(0, x) elementwise."""
        return np.maximum(weighted_input, 0)

    def backward(self, output):
        """output: the forward value, any shape -> same shape, 1.0 where output > 0 else 0.0."""
        return 1.0 * (np.asarray(output) > 0)


class IdentityActivator:
    """The identity, f(x) = x, used when a layer has no nonlinearity."""

    def forward(self, weighted_input):
        """weighted_input: scalar or array of any shape -> the same values."""
        return weighted_input

    def backward(self, output):
        """output: any shape -> ones of the same shape."""
        return np.ones(np.shape(output))
