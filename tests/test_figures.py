"""The notebooks' figures: the numbers drawn equal independent torch computations, and the SVG is reproducible."""

import base64
import subprocess
import sys

import numpy as np
import pytest
import torch

from autograder import figures
from autograder.release.student_cells import FIGURE, worked_numbers_markdown

from .conftest import REPO_ROOT, read_nb

WORKED_OUTPUT = [[[6, 7, 5], [3, -1, -1], [2, -1, 4]], [[2, -5, -8], [1, -4, -4], [0, -5, -5]]]  # worked-example.md


def t(array) -> torch.Tensor:
    return torch.tensor(np.asarray(array, dtype=np.float64))


def drawn_arrays(figure) -> list[str]:
    """Names of a figure's numbers that are drawn as grids, in drawing order."""
    return [k for k in figure.numbers() if k != "output_size"]


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_every_number_drawn_is_one_of_the_figures_numbers_in_order(name):
    figure = figures.FIGURES[name]
    numbers = figure.numbers()
    expected = np.concatenate([np.ravel(numbers[k]) for k in drawn_arrays(figure)])
    assert np.array_equal(figures.grid_numbers(figure.draw()), expected)


def test_worked_example_is_the_course_notes_and_torch():
    example = figures.worked_example()
    output = torch.nn.functional.conv2d(t(example["input_array"])[None], t(example["weights"]), t(example["biases"]),
                                        stride=2, padding=1)[0]
    n = figures.FIGURES["a1_padding_stride"].numbers()
    assert np.array_equal(output.numpy(), WORKED_OUTPUT)
    assert np.array_equal(n["output0"], output[0].numpy())
    assert np.array_equal(n["padded_input"][:, 1:-1, 1:-1], example["input_array"])
    assert not n["padded_input"][:, [0, -1], :].any() and not n["padded_input"][:, :, [0, -1]].any()
    assert np.array_equal(n["filter0"], example["weights"][0]) and n["bias0"].tolist() == [1.0]


def test_output_size_is_the_number_of_windows():
    n = figures.FIGURES["a1_output_size"].numbers()
    fig = figures.OutputSize
    windows = torch.nn.functional.unfold(torch.zeros(1, 1, 1, fig.W), (1, fig.F), padding=(0, fig.P), stride=fig.S)
    assert n["output_size"].tolist() == [windows.shape[-1]] == [3]


def test_backward_figure_matches_torch_autograd():
    fig = figures.BackwardSensitivity
    n = fig().numbers()
    x = torch.zeros(1, 1, fig.INPUT, fig.INPUT, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.conv2d(x, t(fig.KERNEL)[None, None], stride=fig.STRIDE)
    out.backward(t(fig.SENSITIVITY)[None, None])
    assert np.array_equal(n["delta"], x.grad[0, 0].numpy())
    assert np.array_equal(n["rotated_kernel"], np.rot90(fig.KERNEL, 2))
    inner = n["expanded_padded"][2:-2, 2:-2]
    assert np.array_equal(inner[::2, ::2], fig.SENSITIVITY) and inner.sum() == fig.SENSITIVITY.sum()
    # delta is the full cross-correlation of the expanded, padded map with the rotated kernel
    windows = np.lib.stride_tricks.sliding_window_view(n["expanded_padded"], (3, 3))
    assert np.array_equal(np.einsum("ijhw,hw->ij", windows, n["rotated_kernel"]), n["delta"])


@pytest.mark.parametrize("kind, pool", [("max", torch.nn.functional.max_pool2d),
                                        ("mean", torch.nn.functional.avg_pool2d)])
def test_pooling_figure_matches_torch_autograd(kind, pool):
    fig = figures.PoolingRoutes
    x = t(fig.INPUT)[None, None].requires_grad_(True)
    pool(x, 2, stride=1).backward(t(fig.SENSITIVITY)[None, None])
    assert np.array_equal(fig().numbers()[f"{kind}_delta"], x.grad[0, 0].numpy())


def test_worked_numbers_show_input_filters_biases_and_expected_output():
    text = worked_numbers_markdown()
    assert "biases: filter 0: 1, filter 1: 0" in text
    assert "[[ 6,  7,  5],\n [ 3, -1, -1],\n [ 2, -1,  4]]" in text
    assert "[[ 2, -5, -8]," in text and "channel 2:\n[[2, 1, 2, 0, 0]," in text


def test_svg_is_portable():
    data = figures.svg("a1_output_size").decode()
    assert "<text" not in data, "text must be drawn as paths (svg.fonttype 'path')"
    assert "<dc:date>" not in data and "<dc:date" not in data


@pytest.mark.integration
def test_svg_bytes_are_identical_in_two_processes():
    code = "import sys; from autograder.figures import svg, FIGURES; " \
           "sys.stdout.buffer.write(b''.join(svg(n) for n in FIGURES))"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, cwd=REPO_ROOT).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) > 10000


@pytest.mark.parametrize("assignment, names", [("a1", ["a1_output_size", "a1_padding_stride"]),
                                               ("a2", ["a2_backward_sensitivity"]), ("a3", ["a3_pooling_routes"]),
                                               ("a4", ["a4_loss_curve", "a4_misclassified", "a4_network_shapes"]),
                                               ("a5", ["a5_dilated_footprint", "a5_receptive_field",
                                                       "a5_transposed_zeros"])])
def test_committed_releases_embed_the_current_figures(released, assignment, names):
    nb = read_nb(released[assignment].release_dir / released[assignment].notebook)
    cells = {c.metadata["course"]["figure"]: c.source for c in nb.cells
             if c.metadata.get("course", {}).get("role") == "figure"}
    assert sorted(cells) == sorted(names), "run `course release`"
    for name in names:
        data = cells[name].split("data:image/svg+xml;base64,", 1)[1].rstrip(")")
        assert base64.b64decode(data) == figures.svg(name), f"{name}: run `course release`"
    assert not any(FIGURE.search(c.source) for c in nb.cells)


def test_figure_markers_become_cells_of_their_own():
    import nbformat

    from autograder.release.student_cells import AddFigures

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "before\n\n<!-- figure: a3_pooling_routes -->\n\nafter <!-- worked-numbers -->")])
    nb, _ = AddFigures().preprocess(nb, {})
    assert [c.source[:6] for c in nb.cells] == ["before", "![max ", "after "]
    assert nb.cells[1].metadata["course"] == {"role": "figure", "figure": "a3_pooling_routes"}
    assert "Expected output, 2 x 3 x 3" in nb.cells[2].source
