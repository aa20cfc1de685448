"""torch references: float64, device selection, TF32 off; the solutions and the course notes agree with them."""

import numpy as np
import pytest

from autograder.references import TorchReference, resolve_device

WORKED_INPUT = np.array([
    [[0, 1, 1, 0, 2], [2, 2, 2, 2, 1], [1, 0, 0, 2, 0], [0, 1, 1, 0, 0], [1, 2, 0, 0, 2]],
    [[1, 0, 2, 2, 0], [0, 0, 0, 2, 0], [1, 2, 1, 2, 1], [1, 0, 0, 0, 0], [1, 2, 1, 1, 1]],
    [[2, 1, 2, 0, 0], [1, 0, 0, 1, 0], [0, 2, 1, 0, 1], [0, 1, 2, 2, 2], [2, 1, 0, 0, 1]]], dtype=float)
WORKED_WEIGHTS = np.array([
    [[[-1, 1, 0], [0, 1, 0], [0, 1, 1]], [[-1, -1, 0], [0, 0, 0], [0, -1, 0]], [[0, 0, -1], [0, 1, 0], [1, -1, -1]]],
    [[[1, 1, -1], [-1, -1, 1], [0, -1, 1]], [[0, 1, 0], [-1, 0, -1], [-1, 1, 0]], [[-1, 0, 0], [-1, 0, 1], [-1, 0, 0]]],
], dtype=float)
# The course notes' expected output (course-notes/worked-example.md), checked by hand there.
WORKED_OUTPUT = np.array([[[6, 7, 5], [3, -1, -1], [2, -1, 4]], [[2, -5, -8], [1, -4, -4], [0, -5, -5]]], dtype=float)


@pytest.fixture(scope="module")
def ref():
    return TorchReference("auto")


def test_auto_device_picks_cuda_only_when_available(ref):
    import torch

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert ref.provenance["device"] == resolve_device("auto")
    assert ref.provenance["dtype"] == "float64" and ref.provenance["torch"] == torch.__version__


def test_cuda_without_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        assert resolve_device("cuda") == "cuda"
    else:
        with pytest.raises(RuntimeError, match="no CUDA device"):
            resolve_device("cuda")


def test_tf32_is_off(ref):
    import torch

    assert torch.backends.cuda.matmul.allow_tf32 is False
    assert torch.backends.cudnn.allow_tf32 is False


def test_worked_example_matches_the_course_notes(ref):
    out = ref.conv2d(WORKED_INPUT, WORKED_WEIGHTS, [1.0, 0.0], stride=2, padding=1)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, WORKED_OUTPUT)


def test_reference_solution_worked_example(solutions_namespace):
    ns = solutions_namespace
    layer = ns["ConvLayer"](5, 5, 3, 3, 3, 2, 1, 2, ns["IdentityActivator"](), 0.001)
    for f, w, b in zip(layer.filters, WORKED_WEIGHTS, [1.0, 0.0]):
        f.weights, f.bias = w, b
    np.testing.assert_array_equal(layer.forward(WORKED_INPUT), WORKED_OUTPUT)


@pytest.mark.parametrize("seed", range(12))
def test_solutions_agree_with_torch_on_random_layers(ref, solutions_namespace, seed):
    """The second oracle: solutions/ against torch on random geometry (strides, padding, non-square)."""
    rng = np.random.default_rng(seed)
    c, k = rng.integers(1, 4), rng.integers(1, 4)
    fh, fw = rng.integers(1, 4, size=2)
    p, s = rng.integers(0, 3), rng.integers(1, 4)
    h, w = rng.integers(max(fh, 2), 9), rng.integers(max(fw, 2), 9)
    x, weights, biases = rng.normal(size=(c, h, w)), rng.normal(size=(k, c, fh, fw)), rng.normal(size=k)
    ns = solutions_namespace
    activator = ns["ReluActivator"]() if seed % 2 else ns["IdentityActivator"]()
    layer = ns["ConvLayer"](w, h, c, fw, fh, k, p, s, activator, 0.01)
    for f, wf, b in zip(layer.filters, weights, biases):
        f.weights, f.bias = wf, b
    expected = ref.conv2d(x, weights, biases, s, p)
    expected = np.maximum(expected, 0) if seed % 2 else expected
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)
    assert layer.output_array.shape == ref.conv_layer_shape((c, h, w), k, fh, fw, p, s)


def test_parameter_count_and_shape_from_torch(ref):
    assert ref.conv_parameter_count(3, 16, 5, 5) == 16 * 5 * 5 * 3 + 16
    assert ref.conv_layer_shape((3, 28, 20), 16, 5, 3, 1, 2) == (16, 13, 10)
