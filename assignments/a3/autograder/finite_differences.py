"""Central finite differences in float64 along directions, like the fast mode of torch.autograd.gradcheck.

Only directional derivatives live here (this module ships with releases, and a per-element loop would be the
answer to an exercise). A full check uses an orthonormal basis of directions: from the derivatives along all
of them the numerical gradient is recovered exactly, g = V^T d.
"""

from __future__ import annotations

import numpy as np


def directional_derivative(f, x: np.ndarray, direction: np.ndarray, h: float) -> float:
    """(f(x + h v) - f(x - h v)) / 2h for a direction v of x's shape; x is not modified."""
    return (f(x + h * direction) - f(x - h * direction)) / (2 * h)


def random_directions(rng: np.random.Generator, shape: tuple, count: int) -> np.ndarray:
    """`count` unit-norm random directions of the given shape, shape (count, *shape)."""
    v = rng.normal(size=(count, *shape))
    norms = np.sqrt(np.sum(v.reshape(count, -1) ** 2, axis=1))
    return v / norms.reshape((count,) + (1,) * len(shape))


def orthonormal_directions(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """A random orthonormal basis of arrays of the given shape, shape (size, *shape)."""
    size = int(np.prod(shape))
    q, _ = np.linalg.qr(rng.normal(size=(size, size)))
    return q.T.reshape((size, *shape))


def gradient_from_directional(directions: np.ndarray, derivatives: np.ndarray) -> np.ndarray:
    """The gradient whose derivatives along an orthonormal basis are `derivatives`: sum_i d_i v_i."""
    return np.tensordot(np.asarray(derivatives, dtype=np.float64), directions, axes=1)
