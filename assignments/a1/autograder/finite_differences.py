"""Central finite differences in float64 along directions, like the fast mode of torch.autograd.gradcheck.

Grader side only: the grader makes the perturbed points x +- h v, the student's code is only called on them,
and the grader takes the differences. Only directional derivatives live here (this module ships with
releases, and a per-element loop would be the answer to an exercise). A full check uses an orthonormal basis
of directions: from the derivatives along all of them the numerical gradient is recovered exactly, g = V^T d.
"""

from __future__ import annotations

import numpy as np


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


def perturbed_points(base: np.ndarray, directions: np.ndarray, step: float) -> np.ndarray:
    """The points a central difference evaluates: base + h v_i for every direction, then base - h v_i."""
    return np.concatenate([base + step * directions, base - step * directions])


def central_differences(values: np.ndarray, step: float) -> np.ndarray:
    """(f(x + h v_i) - f(x - h v_i)) / 2h from values at perturbed_points (first half plus, second half minus)."""
    values = np.asarray(values, dtype=np.float64)
    half = len(values) // 2
    return (values[:half] - values[half:]) / (2 * step)


def gradient_from_directional(directions: np.ndarray, derivatives: np.ndarray) -> np.ndarray:
    """The gradient whose derivatives along an orthonormal basis are `derivatives`: sum_i d_i v_i."""
    return np.tensordot(np.asarray(derivatives, dtype=np.float64), directions, axes=1)
