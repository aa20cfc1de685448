"""The notebooks' figures, drawn with matplotlib from the reference solutions' own numbers.

Each figure is a class with `numbers()` (the arrays it draws, computed by the course's solutions/) and
`draw()` (a matplotlib Figure that writes exactly those numbers). `svg(name)` renders one as byte-for-byte
reproducible SVG: fixed hash salt, no date, text as paths, matplotlib pinned in pyproject.toml.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

from .cases import decode
from .config import course_root

SVG_SETTINGS = {"svg.hashsalt": "cnn-course", "svg.fonttype": "path", "svg.image_inline": True,
                "font.family": "DejaVu Sans", "font.size": 10, "axes.unicode_minus": False}
WORKED_INPUT = "conv_forward.worked_example"  # the public test that holds the worked example's numbers


@lru_cache(maxsize=None)
def solution(module: str) -> dict:
    """The namespace of a solutions module, run from its file (solutions/ is never installed)."""
    import sys

    path = course_root() / "solutions" / f"{module}.py"
    namespace: dict = {"__name__": f"solutions.{module}"}
    root = str(course_root())
    added = root not in sys.path  # a module may reuse another (`from solutions.conv import ConvLayer`)
    if added:
        sys.path.insert(0, root)
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    finally:
        if added:
            sys.path.remove(root)
    return namespace


def worked_example() -> dict[str, np.ndarray]:
    """The worked example's input, weights and biases, from a1's master (its first conv_forward test)."""
    from .config import load_course
    from .master import load_master

    master = load_master(load_course(), "a1")
    question, test_name = WORKED_INPUT.split(".")
    test = next(t for t in master.questions[question].tests if t.name == test_name)
    inputs = test.cases[0].inputs
    return {name: np.asarray(decode(inputs[name]), dtype=float) for name in ("input_array", "weights", "biases")}


def worked_output(example: dict[str, np.ndarray]) -> np.ndarray:
    """The worked example's output, computed by the reference ConvLayer."""
    conv, activators = solution("conv"), solution("activators")
    channels, height, width = example["input_array"].shape
    filters, _, fh, fw = example["weights"].shape
    layer = conv["ConvLayer"](width, height, channels, fw, fh, filters, 1, 2, activators["IdentityActivator"](), 0.001)
    for f, weights, bias in zip(layer.filters, example["weights"], example["biases"]):
        f.weights, f.bias = weights.copy(), float(bias)
    return np.asarray(layer.forward(example["input_array"].copy()), dtype=float)


def label(value: float) -> str:
    """A number as drawn in a cell: integers without a decimal point, others with at most two decimals."""
    value = float(value)
    return str(int(round(value))) if value == round(value) else f"{value:.2f}".rstrip("0")


class Grid:
    """One 2-d array drawn as a table of numbers on an axes, with optional shading and boxes."""

    def __init__(self, ax, values, title: str, shade=None, origin=(0, 0)):
        self.ax, self.values, self.origin = ax, np.asarray(values, dtype=float), origin
        rows, cols = self.values.shape
        x0, y0 = origin
        for r in range(rows):
            for c in range(cols):
                grey = shade is not None and shade[r, c]
                ax.add_patch(_rectangle((x0 + c, y0 - r - 1), 1, 1, face="#dddddd" if grey else "white"))
                ax.text(x0 + c + 0.5, y0 - r - 0.5, label(self.values[r, c]), ha="center", va="center",
                        fontsize=9, color="#777777" if grey else "black", gid="number")
        ax.text(x0 + cols / 2, y0 + 0.4, title, ha="center", va="bottom", fontsize=9)

    def box(self, row: int, col: int, height: int, width: int, color: str, dashed: bool = False) -> None:
        x0, y0 = self.origin
        self.ax.add_patch(_rectangle((x0 + col, y0 - row - height), width, height, edge=color, line=2.5,
                                     style="--" if dashed else "-"))


def _rectangle(xy, width, height, face="none", edge="#999999", line=0.8, style="-"):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, width, height, facecolor=face, edgecolor=edge, linewidth=line, linestyle=style)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_aspect("equal")
    return figure, ax


def grid_numbers(figure) -> list[float]:
    """Every number the figure writes into a grid cell, in drawing order (tests compare them with the solutions)."""
    return [float(t.get_text()) for ax in figure.axes for t in ax.texts if t.get_gid() == "number"]


class PaddingAndStride:
    """a1: the worked example's three input channels with their ring of zero padding, filter 0's 3x3 windows at
    stride 2, filter 0 and its bias, and the output map where the first value is computed."""

    name = "a1_padding_stride"
    alt = "the worked example: zero-padded input, the 3x3 window at stride 2, filter 0 and output map 0"

    def numbers(self) -> dict[str, np.ndarray]:
        example = worked_example()
        padded = np.pad(example["input_array"], ((0, 0), (1, 1), (1, 1)))
        return {"padded_input": padded, "filter0": example["weights"][0], "bias0": example["biases"][:1],
                "output0": worked_output(example)[0]}

    def draw(self):
        n = self.numbers()
        figure, ax = _figure(10, 6.4)
        ring = np.ones((7, 7), dtype=bool)
        ring[1:-1, 1:-1] = False
        for c in range(3):
            grid = Grid(ax, n["padded_input"][c], f"input channel {c} with zero padding 1", ring, (c * 8.5, 0))
            grid.box(0, 0, 3, 3, "#d62728")
            grid.box(0, 2, 3, 3, "#1f77b4", dashed=True)
        for c in range(3):
            Grid(ax, n["filter0"][c], f"filter 0, channel {c}", origin=(c * 8.5 + 2, -9))
        Grid(ax, n["bias0"][None, :], "bias 0", origin=(25.5, -9))
        out = Grid(ax, n["output0"], "output map 0", origin=(28.5, -9))
        out.box(0, 0, 1, 1, "#d62728")
        out.box(0, 1, 1, 1, "#1f77b4", dashed=True)
        ax.text(0, -14.2, "red: the window of output (0, 0); blue, dashed: one stride of 2 to the right, output (0, 1).\n"
                "output[0, 0] = sum over the three channels of window x filter, plus the bias "
                f"= {label(n['output0'][0, 0])}", fontsize=9, va="top")
        ax.set_xlim(-0.5, 32)
        ax.set_ylim(-16.5, 1.5)
        return figure


class OutputSize:
    """a1: the output size formula on one row: W = 5 input cells, P = 1 zero on each side, windows of F = 3 at
    stride S = 2."""

    name = "a1_output_size"
    alt = "the output size formula on one row of the worked example: W=5, F=3, P=1, S=2 give 3 positions"
    W, F, P, S = 5, 3, 1, 2

    def numbers(self) -> dict[str, np.ndarray]:
        row = worked_example()["input_array"][0, 0]
        size = solution("conv")["ConvLayer"].calculate_output_size(self.W, self.F, self.P, self.S)
        return {"padded_row": np.pad(row, self.P), "output_size": np.array([size])}

    def draw(self):
        n = self.numbers()
        figure, ax = _figure(7, 3.2)
        shade = np.zeros((1, self.W + 2 * self.P), dtype=bool)
        shade[0, : self.P] = shade[0, -self.P:] = True
        Grid(ax, n["padded_row"][None, :], "one row of input channel 0, zero padding P = 1 (grey)", shade)
        colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]
        size = int(n["output_size"][0])
        for k in range(size):
            y = -1.4 - 0.45 * k
            ax.annotate("", xy=(k * self.S + self.F - 0.05, y), xytext=(k * self.S + 0.05, y),
                        arrowprops={"arrowstyle": "|-|", "color": colors[k % len(colors)], "linewidth": 2})
            ax.text(k * self.S + self.F + 0.2, y, f"window {k}", va="center", fontsize=8, color=colors[k % len(colors)])
        ax.text(0, -3.2, r"$W_{out} = \lfloor (W - F + 2P) / S \rfloor + 1 = \lfloor (5 - 3 + 2) / 2 \rfloor + 1 = $"
                + f"{size}", fontsize=11, va="top")
        ax.set_xlim(-0.5, 10.5)
        ax.set_ylim(-4.2, 1.3)
        return figure


class BackwardSensitivity:
    """a2: the backward pass at stride 2: the sensitivity map is expanded to stride 1 (zeros between),
    zero-padded by F - 1, and cross-correlated with the kernel rotated by 180 degrees."""

    name = "a2_backward_sensitivity"
    alt = "the sensitivity map expanded and zero-padded, the rotated kernel, and the delta of the input"
    INPUT = 5
    KERNEL = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [2.0, 0.0, 1.0]])
    SENSITIVITY = np.array([[1.0, 2.0], [3.0, 4.0]])
    STRIDE = 2

    def numbers(self) -> dict[str, np.ndarray]:
        conv, activators = solution("conv"), solution("activators")
        f = len(self.KERNEL)
        layer = conv["ConvLayer"](self.INPUT, self.INPUT, 1, f, f, 1, 0, self.STRIDE, activators["IdentityActivator"](), 0.1)
        layer.filters[0].weights, layer.filters[0].bias = self.KERNEL[None].copy(), 0.0
        layer.forward(np.zeros((1, self.INPUT, self.INPUT)))
        delta = layer.bp_sensitivity_map(self.SENSITIVITY[None].copy(), activators["IdentityActivator"]())
        expanded = np.zeros((self.INPUT - f + 1,) * 2)
        expanded[:: self.STRIDE, :: self.STRIDE] = self.SENSITIVITY
        return {"sensitivity": self.SENSITIVITY, "expanded_padded": np.pad(expanded, f - 1), "kernel": self.KERNEL,
                "rotated_kernel": self.KERNEL[::-1, ::-1], "delta": np.asarray(layer.delta_array)[0]}

    def draw(self):
        n = self.numbers()
        figure, ax = _figure(10, 4.2)
        Grid(ax, n["sensitivity"], "sensitivity map (stride 2)", origin=(0, -2))
        size = len(n["expanded_padded"])
        shade = np.ones((size, size), dtype=bool)
        shade[2:-2, 2:-2] = False
        shade[2:-2:2, 2:-2:2] = False
        expanded = Grid(ax, n["expanded_padded"], "expanded, zero-padded by F - 1 = 2", shade, (3.5, 0))
        expanded.box(0, 0, 3, 3, "#d62728")
        Grid(ax, n["kernel"], "kernel", origin=(12, 0))
        rotated = Grid(ax, n["rotated_kernel"], "kernel rotated 180 degrees", origin=(12, -4))
        rotated.box(0, 0, 3, 3, "#d62728")
        delta = Grid(ax, n["delta"], "delta of the input", origin=(17, -1))
        delta.box(0, 0, 1, 1, "#d62728")
        ax.text(0, -7.6, "delta[0, 0] = the red window of the expanded map x the rotated kernel, summed "
                f"= {label(n['delta'][0, 0])}", fontsize=9, va="top")
        ax.set_xlim(-0.5, 22.5)
        ax.set_ylim(-8.5, 1.5)
        return figure


class PoolingRoutes:
    """a3: where max and mean pooling send the gradient, with 2x2 windows at stride 1 that overlap."""

    name = "a3_pooling_routes"
    alt = "max and mean pooling route each output's gradient into overlapping 2x2 windows"
    INPUT = np.array([[1.0, 5.0, 2.0], [3.0, 7.0, 4.0], [6.0, 0.0, 8.0]])
    SENSITIVITY = np.array([[1.0, 2.0], [3.0, 4.0]])

    def numbers(self) -> dict[str, np.ndarray]:
        pooling = solution("pooling")
        routes = {}
        for kind in ("Max", "Mean"):
            layer = pooling[f"{kind}PoolingLayer"](3, 3, 1, 2, 2, 1)
            layer.forward(self.INPUT[None].copy())
            layer.backward(self.INPUT[None].copy(), self.SENSITIVITY[None].copy())
            routes[kind.lower()] = np.asarray(layer.delta_array)[0]
        return {"input": self.INPUT, "sensitivity": self.SENSITIVITY, "max_delta": routes["max"],
                "mean_delta": routes["mean"]}

    def draw(self):
        n = self.numbers()
        figure, ax = _figure(10, 3.2)
        colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]
        grid = Grid(ax, n["input"], "input, four 2x2 windows")
        for k, (r, c) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
            inset = 0.08 * (k + 1)
            grid.ax.add_patch(_rectangle((c + inset, -r - 2 + inset), 2 - 2 * inset, 2 - 2 * inset,
                                         edge=colors[k], line=2))
        sensitivity = Grid(ax, n["sensitivity"], "output gradients", origin=(5, -0.5))
        for k, (r, c) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
            sensitivity.box(r, c, 1, 1, colors[k])
        Grid(ax, n["max_delta"], "max pooling: to each window's max", origin=(9.5, 0))
        Grid(ax, n["mean_delta"], "mean pooling: a quarter to each cell", origin=(15, 0))
        ax.text(0, -3.6, "Overlapping windows add up: with max pooling the 7 is the maximum of three windows and "
                "collects 1 + 2 + 3.", fontsize=9, va="top")
        ax.set_xlim(-0.5, 19.5)
        ax.set_ylim(-4.6, 1.4)
        return figure


FIGURES = {figure.name: figure for figure in (PaddingAndStride(), OutputSize(), BackwardSensitivity(), PoolingRoutes())}


class DilatedFootprint:
    """a5: a 3x3 filter with dilation 2 on a 7x7 input: the nine cells output (0, 0) reads, and the output map."""

    name = "a5_dilated_footprint"
    alt = "a 3x3 filter with dilation 2: its taps two cells apart on a 7x7 input, and the 3x3 output"
    INPUT = np.arange(49, dtype=float).reshape(7, 7) % 5
    KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    DILATION = 2

    def numbers(self) -> dict[str, np.ndarray]:
        layers, activators = solution("conv_variants"), solution("activators")
        layer = layers["DilatedConvLayer"](7, 7, 1, 3, 3, 1, 0, 1, self.DILATION, activators["IdentityActivator"](), 0.1)
        layer.filters[0].weights, layer.filters[0].bias = self.KERNEL[None].copy(), 0.0
        layer.forward(self.INPUT[None].copy())
        return {"input": self.INPUT, "kernel": self.KERNEL, "output": np.asarray(layer.output_array)[0]}

    def draw(self):
        n = self.numbers()
        figure, ax = _figure(10, 4.2)
        taps = np.ones((7, 7), dtype=bool)
        taps[0:5:2, 0:5:2] = False
        grid = Grid(ax, n["input"], "input 7x7: the nine cells output (0, 0) reads (red)", taps)
        for u in range(3):
            for v in range(3):
                grid.box(u * self.DILATION, v * self.DILATION, 1, 1, "#d62728")
        grid.box(0, 0, 5, 5, "#1f77b4", dashed=True)
        Grid(ax, n["kernel"], "filter 3x3, dilation 2", origin=(8.5, -1))
        out = Grid(ax, n["output"], "output 3x3", origin=(13, -1))
        out.box(0, 0, 1, 1, "#d62728")
        ax.text(0, -7.6, "The nine weights read cells two apart: the filter spans d(F - 1) + 1 = 5 cells (blue), "
                f"with 9 weights. output[0, 0] = {label(n['output'][0, 0])}.", fontsize=9, va="top")
        ax.set_xlim(-0.5, 16.5)
        ax.set_ylim(-8.5, 1.5)
        return figure


class TransposedZeros:
    """a5: a transposed convolution with stride 2 as a gather: zeros inserted between the 2x2 input's values,
    F - 1 = 2 zeros of padding, the kernel rotated by 180 degrees, and the 5x5 output."""

    name = "a5_transposed_zeros"
    alt = "a 2x2 input with zeros inserted for stride 2, padded by F - 1, the rotated kernel and the 5x5 output"
    INPUT = np.array([[1.0, 2.0], [3.0, 4.0]])
    KERNEL = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    STRIDE = 2

    def numbers(self) -> dict[str, np.ndarray]:
        layers, activators = solution("conv_variants"), solution("activators")
        layer = layers["TransposedConvLayer"](2, 2, 1, 3, 3, 1, 0, self.STRIDE, 0, activators["IdentityActivator"](), 0.1)
        layer.filters[0].weights, layer.filters[0].bias = self.KERNEL[None].copy(), 0.0
        layer.forward(self.INPUT[None].copy())
        spread = np.zeros((3, 3))
        spread[:: self.STRIDE, :: self.STRIDE] = self.INPUT
        return {"input": self.INPUT, "zero_inserted": np.pad(spread, 2), "rotated_kernel": self.KERNEL[::-1, ::-1],
                "output": np.asarray(layer.output_array)[0]}

    def draw(self):
        n = self.numbers()
        figure, ax = _figure(10, 4.4)
        Grid(ax, n["input"], "input 2x2", origin=(0, -2.5))
        shade = np.ones((7, 7), dtype=bool)
        shade[2:5:2, 2:5:2] = False
        inserted = Grid(ax, n["zero_inserted"], "zeros between values (3x3), padded by F - 1 = 2", shade, (3.5, 0))
        inserted.box(0, 0, 3, 3, "#d62728")
        inserted.box(2, 2, 3, 3, "#1f77b4", dashed=True)
        Grid(ax, n["rotated_kernel"], "kernel rotated 180 degrees", origin=(12, -2))
        out = Grid(ax, n["output"], "output 5x5 = (2 - 1) x 2 + 3", origin=(17, -1))
        out.box(0, 0, 1, 1, "#d62728")
        out.box(2, 2, 1, 1, "#1f77b4", dashed=True)
        ax.text(0, -7.6, "Each output is a window of the zero-inserted map times the rotated kernel: red gives "
                f"output[0, 0] = {label(n['output'][0, 0])}, blue output[2, 2] = {label(n['output'][2, 2])}. "
                "No zeros after the last value.", fontsize=9, va="top")
        ax.set_xlim(-0.5, 22.5)
        ax.set_ylim(-8.5, 1.5)
        return figure


class ReceptiveGrowth:
    """a5: one output of three stacked kernel-3 layers (stride 1) and the inputs it sees, layer by layer: each cell
    holds the number of paths from it to the output (the gradient with all weights 1)."""

    name = "a5_receptive_field"
    alt = "three stacked kernel-3 layers: the receptive field grows from 1 to 3, 5 and 7 inputs"
    LAYERS = [(3, 1, 1)] * 3

    def numbers(self) -> dict[str, np.ndarray]:
        sizes = [solution("receptive")["receptive_field"](self.LAYERS[:depth])[0] for depth in range(4)]
        paths = [np.ones(1)]  # paths[k]: k layers below the output
        for _ in self.LAYERS:
            paths.append(np.convolve(paths[-1], np.ones(3)))
        return {**{f"paths_{k}": paths[k][None, :] for k in range(4)}, "output_size": np.array(sizes)}

    def draw(self):
        n = self.numbers()
        figure, ax = _figure(8, 4.2)
        titles = ["one output of layer 3", "layer 2", "layer 1", "input"]
        for k, title in enumerate(titles):
            size = n[f"paths_{k}"].shape[1]
            Grid(ax, n[f"paths_{k}"], f"{title}: {size} cell{'s' if size > 1 else ''}", origin=(3 - (size - 1) / 2, -k * 2))
        sizes = ", ".join(str(int(v)) for v in n["output_size"][1:])
        ax.text(0, -8.2, f"receptive_field of 1, 2, 3 layers: sizes {sizes}; each kernel-3 layer adds 2, so two layers "
                "see 5 inputs, like one 5-wide kernel. Each number counts the paths to the output.", fontsize=9, va="top")
        ax.set_xlim(-0.5, 7.5)
        ax.set_ylim(-9, 1.5)
        return figure


FIGURES.update({figure.name: figure for figure in (DilatedFootprint(), TransposedZeros(), ReceptiveGrowth())})


def svg(name: str) -> bytes:
    """The figure as SVG bytes that are identical on every machine with the pinned matplotlib."""
    import matplotlib

    with matplotlib.rc_context(SVG_SETTINGS):
        figure = FIGURES[name].draw()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return buffer.getvalue()


class NetworkShapes:
    """a4: LeNet layer by layer, each layer's output shape and parameter count, from the reference LeNet run on an
    image (the shapes) and its layers' weights and biases (the counts)."""

    name = "a4_network_shapes"
    alt = "LeNet for 8 x 8 digits: each layer's output shape and number of parameters"
    NAMES = ["conv 6 x 3x3, ReLU", "max pool 2x2", "flatten", "FC 54 -> 64, ReLU", "FC 64 -> 10", "softmax CE"]

    @staticmethod
    def _layers() -> list:
        network = solution("network")["LeNet"](0.01, 0)
        network.loss(np.zeros((1, 8, 8)), 0)
        return network.layers()

    def shapes(self) -> list[tuple]:
        """Each layer's output shape; () for the loss."""
        return [np.shape(layer.output_array) for layer in self._layers()[:5]] + [()]

    def numbers(self) -> dict[str, np.ndarray]:
        conv, _, _, hidden, output, _ = self._layers()
        counts = [sum(f.weights.size + 1 for f in conv.filters), 0, 0, hidden.W.size + hidden.b.size,
                  output.W.size + output.b.size, 0]
        return {"parameters": np.array(counts, dtype=float)}

    def draw(self):
        n = {**self.numbers(), "shapes": self.shapes()}
        figure, ax = _figure(10, 2.6)
        ax.add_patch(_rectangle((0, 0), 1.9, 1.6, edge="#555555"))
        ax.text(0.95, 1.1, "image", ha="center", fontsize=9)
        ax.text(0.95, 0.6, "(1, 8, 8)", ha="center", fontsize=9)
        for i, (title, shape, count) in enumerate(zip(self.NAMES, n["shapes"], n["parameters"])):
            x = 2.4 + i * 2.45
            ax.annotate("", xy=(x, 0.8), xytext=(x - 0.5, 0.8), arrowprops={"arrowstyle": "->", "color": "#555555"})
            ax.add_patch(_rectangle((x, 0), 2.0, 1.6, edge="#1f77b4", line=1.5))
            ax.text(x + 1.0, 1.25, title, ha="center", fontsize=7)
            ax.text(x + 1.0, 0.75, str(tuple(shape)) if shape else "the loss", ha="center", fontsize=9)
            ax.text(x + 1.0, 0.2, label(count), ha="center", fontsize=9, color="#d62728", gid="number")
        total = int(np.sum(n["parameters"]))
        ax.text(0, -0.5, f"red: parameters (weights and biases) of each layer, {total:,} in all; shapes are each "
                "layer's output.", fontsize=9, va="top")
        ax.set_xlim(-0.2, 17.2)
        ax.set_ylim(-1.1, 1.8)
        return figure


FIGURES[NetworkShapes.name] = NetworkShapes()


# a4's training record: the reference LeNet trained as the grader trains it (course.yml's training settings, seed 0),
# its per-epoch losses and the held-out digits it misclassifies. Committed; regenerated only by the explicit command
# `python -m autograder.figures a4-training-record` (training takes about 10 s), never by `course release`.
TRAINING_RECORD = "source/a4_training_record.json"


def write_training_record() -> dict:
    """Train the reference LeNet on the digits' training part and write TRAINING_RECORD; -> the record."""
    import json

    from .config import load_course
    from .digits import TRAIN_INDICES, held_out_part, training_part

    settings = load_course().assignment("a4").training
    network = solution("network")["LeNet"](settings.learning_rate, 0)
    images, labels = training_part()
    losses = network.train(images, labels, settings.epochs, settings.learning_rate)
    held_images, held_labels = held_out_part()
    predicted = network.predict(held_images)
    held_indices = [i for i in range(len(held_labels) + len(TRAIN_INDICES)) if i not in set(TRAIN_INDICES)]
    wrong = np.flatnonzero(predicted != held_labels)
    record = {"epochs": settings.epochs, "learning_rate": settings.learning_rate, "seed": 0,
              "losses": [float(v) for v in losses],
              "held_out_accuracy": float(np.mean(predicted == held_labels)),
              "misclassified": [{"index": int(held_indices[i]), "label": int(held_labels[i]),
                                 "predicted": int(predicted[i])} for i in wrong]}
    (course_root() / TRAINING_RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return record


def training_record() -> dict:
    import json

    return json.loads((course_root() / TRAINING_RECORD).read_text(encoding="utf-8"))


class LossCurve:
    """a4: the reference LeNet's mean training loss per epoch (from the committed training record)."""

    name = "a4_loss_curve"
    alt = "the reference LeNet's mean training loss falling epoch by epoch"

    def numbers(self) -> dict[str, np.ndarray]:
        return {"losses": np.round(np.array(training_record()["losses"]), 2)}

    def draw(self):
        from matplotlib.figure import Figure

        record, losses = training_record(), self.numbers()["losses"]
        figure = Figure(figsize=(7, 3))
        ax = figure.add_axes((0.1, 0.18, 0.85, 0.72))
        epochs = np.arange(1, len(losses) + 1)
        ax.plot(epochs, losses, marker="o", color="#1f77b4")
        for epoch, value in zip(epochs, losses):
            ax.text(epoch, value + 0.04, label(value), ha="center", fontsize=7, gid="number")
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean loss")
        ax.set_ylim(0, float(losses.max()) + 0.2)
        ax.set_title(f"{record['epochs']} epochs at learning rate {record['learning_rate']}: "
                     f"{record['held_out_accuracy']:.1%} of the held-out digits right", fontsize=9)
        return figure


class Misclassified:
    """a4: the first held-out digits the trained reference LeNet gets wrong, with the true and predicted class."""

    name = "a4_misclassified"
    alt = "held-out digits the trained network misclassifies, each with its label and the predicted class"
    SHOWN = 8

    def numbers(self) -> dict[str, np.ndarray]:
        wrong = training_record()["misclassified"][:self.SHOWN]
        return {"classes": np.array([[w["label"], w["predicted"]] for w in wrong], dtype=float)}

    def draw(self):
        from matplotlib.figure import Figure
        from sklearn.datasets import load_digits

        images = load_digits().images
        wrong = training_record()["misclassified"][:self.SHOWN]
        figure = Figure(figsize=(1.3 * len(wrong), 1.9))
        for k, w in enumerate(wrong):
            ax = figure.add_axes((k / len(wrong) + 0.01, 0.25, 1 / len(wrong) - 0.02, 0.7))
            ax.imshow(images[w["index"]], cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
            ax.set_axis_off()
            ax.text(0.5, -0.12, label(w["label"]), transform=ax.transAxes, ha="right", fontsize=10, gid="number")
            ax.text(0.62, -0.12, label(w["predicted"]), transform=ax.transAxes, ha="left", fontsize=10,
                    color="#d62728", gid="number")
        figure.text(0.01, 0.02, "black: the digit's label; red: what the trained network predicts", fontsize=8)
        return figure


FIGURES.update({figure.name: figure for figure in (LossCurve(), Misclassified())})


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["a4-training-record"]:
        sys.exit("usage: python -m autograder.figures a4-training-record")
    written = write_training_record()
    print(f"{TRAINING_RECORD}: {len(written['losses'])} epochs, held-out accuracy {written['held_out_accuracy']:.1%}, "
          f"{len(written['misclassified'])} misclassified")
