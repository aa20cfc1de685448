"""Checking gradients numerically: central differences and the course's relative error."""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """f: scalar function of an array; x: float array of any shape -> dL/dx, same shape; x is left unchanged."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = f(x)
        x[index] = original - h
        minus = f(x)
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b):
    """Arrays (or numbers) of the same shape -> max over elements of |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
