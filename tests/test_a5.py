"""Assignment 5's references: receptive fields measured with torch agree with the formula, the bottleneck's costs
counted on torch modules are the notebook's numbers, and the conventions the checks rely on are torch's."""

import fnmatch

import numpy as np
import pytest
import torch

from autograder import samples as sample_defs
from autograder.checks.receptive import branch_cost, measured_field, random_layers
from autograder.references import TorchReference

from .test_checks import sample_results


@pytest.fixture(scope="module")
def torch_ref():
    return TorchReference("cpu")


def formula(layers):
    """The textbook recursion (kept out of the shipped checks): size += d (k - 1) jump, jump *= s."""
    size, jump = 1, 1
    for kernel, stride, dilation in layers:
        size += dilation * (kernel - 1) * jump
        jump *= stride
    return size, jump


def test_measured_receptive_fields_agree_with_the_formula(torch_ref):
    rng = np.random.default_rng(2026)
    stacks = [random_layers(rng, int(rng.integers(1, 6))) for _ in range(40)]
    stacks += [[[3, 1, 1], [3, 1, 1]], [[3, 1, 1]] * 3, [[1, 3, 1], [3, 1, 1]], [[5, 2, 3], [1, 1, 1], [4, 3, 2]]]
    for layers in stacks:
        assert measured_field(torch_ref, layers) == formula(layers), layers


def test_the_seed_examples(torch_ref):
    assert measured_field(torch_ref, [[3, 1, 1], [3, 1, 1]]) == (5, 1)  # two 3x3 see what one 5x5 sees
    assert measured_field(torch_ref, [[5, 1, 1]]) == (5, 1)
    assert measured_field(torch_ref, [[3, 1, 1]] * 3) == (7, 1)


def test_bottleneck_costs_are_the_notebooks_numbers(torch_ref):
    assert branch_cost(torch_ref, (192, 28, 28), 32, 5, None) == (120_422_400, 153_632)
    assert branch_cost(torch_ref, (192, 28, 28), 32, 5, 16) == (12_443_648, 15_920)
    assert branch_cost(torch_ref, (3, 7, 9), 4, 3, 2) == (7 * 9 * 2 * 3 + 7 * 9 * 4 * 2 * 9, 2 * 4 + 4 * 19)


def test_torch_refuses_to_train_batch_norm_on_one_value_per_channel():
    with pytest.raises(ValueError):
        torch.nn.BatchNorm2d(3, dtype=torch.float64).train()(torch.zeros(1, 3, 1, 1, dtype=torch.float64))
    out = torch.nn.BatchNorm2d(3, dtype=torch.float64).eval()(torch.ones(1, 3, 1, 1, dtype=torch.float64))
    assert torch.allclose(out, torch.ones_like(out) / np.sqrt(1 + 1e-5))


def test_transposed_weight_layout_is_torchs_transposed():
    """torch's conv_transpose2d with weight w (in, out, FH, FW) is the input gradient of conv2d with the same w (which
    conv2d reads as (out, in, ...)): so the course's filters[k].weights[c] = w[c, k], and section 4's demonstration
    (the transposed forward equals ConvLayer.bp_sensitivity_map) holds."""
    rng = np.random.default_rng(5)
    w = torch.tensor(rng.normal(size=(3, 2, 3, 3)))
    x = torch.tensor(rng.normal(size=(1, 3, 4, 4)))
    big = torch.zeros(1, 2, 9, 9, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.conv2d(big, w, stride=2).backward(x)
    assert torch.allclose(torch.nn.functional.conv_transpose2d(x, w, stride=2), big.grad)


def test_figures_draw_torchs_numbers():
    """The three a5 figures: what they draw equals torch's dilated conv, transposed conv and all-ones gradients."""
    from autograder import figures

    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))  # noqa: E731
    dilated = figures.FIGURES["a5_dilated_footprint"].numbers()
    expected = torch.nn.functional.conv2d(t(dilated["input"])[None, None], t(dilated["kernel"])[None, None],
                                          dilation=2)[0, 0]
    assert np.allclose(dilated["output"], expected.numpy())
    transposed = figures.FIGURES["a5_transposed_zeros"].numbers()
    expected = torch.nn.functional.conv_transpose2d(t(transposed["input"])[None, None],
                                                    t(transposed["rotated_kernel"][::-1, ::-1].copy())[None, None],
                                                    stride=2)[0, 0]
    assert np.allclose(transposed["output"], expected.numpy())
    growth = figures.FIGURES["a5_receptive_field"].numbers()
    x = torch.ones(1, 1, 7, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(3):
        y = torch.nn.functional.conv1d(y, torch.ones(1, 1, 3, dtype=torch.float64))
    y.sum().backward()
    assert np.array_equal(growth["paths_3"][0], x.grad[0, 0].numpy())
    assert growth["output_size"].tolist() == [1, 3, 5, 7]


UNNAMED = [s for s in sample_defs.load_samples("a5")
           if isinstance(s.expect, dict) and not all(s.expect.get("lose", {}).values())]


@pytest.mark.parametrize("sample", UNNAMED, ids=[s.name for s in UNNAMED])
def test_a_mistake_the_sample_does_not_plant_is_not_named(masters, sample):
    """Where a sample loses a test without a name (null in samples.yml), the test names no mistake: a one-number
    coincidence (a size rounded up equals the size with dilation ignored here) is no diagnosis."""
    results = sample_results(masters, "a5", sample)
    unnamed = [pattern for pattern, mistake in sample.expect["lose"].items() if not mistake]
    named = {t: r["mistake"] for t, r in results.items()
             if any(fnmatch.fnmatchcase(t, p) for p in unnamed) and r["mistake"] is not None}
    assert named == {}
