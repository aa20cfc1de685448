"""Release steps for the notebooks' pictures and worked numbers, drawn from the solutions at release time.

In a Markdown cell of a master,
  <!-- figure: NAME -->      becomes the SVG figure NAME of autograder/figures.py, as an attachment of the cell;
  <!-- worked-numbers -->    becomes a1's worked example: input, filters, biases and the expected output.
"""

from __future__ import annotations

import base64
import re

import numpy as np
from nbconvert.preprocessors import Preprocessor

from .. import figures

FIGURE = re.compile(r"<!--\s*figure:\s*([\w-]+)\s*-->")
WORKED_NUMBERS = re.compile(r"<!--\s*worked-numbers\s*-->")


def _array(values: np.ndarray) -> str:
    """An array as numpy prints integers: one row a line, aligned."""
    return np.array2string(np.asarray(values).astype(int) if np.all(values == np.round(values)) else values,
                           separator=", ")


def worked_numbers_markdown() -> str:
    """The worked example's numbers, with the output the reference ConvLayer computes."""
    example = figures.worked_example()
    output = figures.worked_output(example)
    channels = "\n\n".join(f"channel {c}:\n{_array(example['input_array'][c])}" for c in range(len(example["input_array"])))
    filters = "\n\n".join(f"filter {k}, channel {c}:\n{_array(example['weights'][k, c])}"
                          for k in range(len(example["weights"])) for c in range(example["weights"].shape[1]))
    maps = "\n\n".join(f"output map {k}:\n{_array(output[k])}" for k in range(len(output)))
    biases = ", ".join(f"filter {k}: {figures.label(b)}" for k, b in enumerate(example["biases"]))
    return (f"**The worked example's numbers** (arrays are (channels, height, width); zero padding 1, stride 2, "
            f"identity activator):\n\n```text\ninput, {' x '.join(map(str, example['input_array'].shape))}\n\n"
            f"{channels}\n```\n\n```text\n{filters}\n\nbiases: {biases}\n```\n\n"
            f"Expected output, {' x '.join(map(str, output.shape))}:\n\n```text\n{maps}\n```")


class AddFigures(Preprocessor):
    """Replace figure and worked-numbers markers in Markdown cells by the drawings and numbers."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "markdown":
            return cell, resources
        for name in FIGURE.findall(cell.source):
            if name not in figures.FIGURES:
                raise KeyError(f"<!-- figure: {name} -->: no such figure in autograder/figures.py "
                               f"(it has {', '.join(figures.FIGURES)})")
            cell.setdefault("attachments", {})[f"{name}.svg"] = {
                "image/svg+xml": base64.b64encode(figures.svg(name)).decode("ascii")}
        cell.source = FIGURE.sub(lambda m: f"![{figures.FIGURES[m.group(1)].alt}](attachment:{m.group(1)}.svg)",
                                 cell.source)
        if WORKED_NUMBERS.search(cell.source):
            cell.source = WORKED_NUMBERS.sub(lambda m: worked_numbers_markdown(), cell.source)
        return cell, resources
