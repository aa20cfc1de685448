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
    path = course_root() / "solutions" / f"{module}.py"
    namespace: dict = {"__name__": f"solutions.{module}"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
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


def svg(name: str) -> bytes:
    """The figure as SVG bytes that are identical on every machine with the pinned matplotlib."""
    import matplotlib

    with matplotlib.rc_context(SVG_SETTINGS):
        figure = FIGURES[name].draw()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return buffer.getvalue()
