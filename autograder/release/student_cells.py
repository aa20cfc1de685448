"""Release steps for what every student notebook shows besides its questions: the pictures and worked numbers,
drawn from the solutions at release time, and the export cell at the end.

In a Markdown cell of a master,
  <!-- figure: NAME -->      becomes a Markdown cell of its own with the SVG figure NAME of autograder/figures.py;
  <!-- worked-numbers -->    becomes a1's worked example: input, filters, biases and the expected output.
"""

from __future__ import annotations

import base64
import copy
import re

import nbformat
import numpy as np
from nbconvert.preprocessors import Preprocessor

from .. import figures
from .preprocessors import COURSE

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


def figure_cell(name: str) -> nbformat.NotebookNode:
    """A Markdown cell of its own holding the figure as an SVG data URI (JupyterLab renders no SVG attachments)."""
    if name not in figures.FIGURES:
        raise KeyError(f"<!-- figure: {name} -->: no such figure in autograder/figures.py "
                       f"(it has {', '.join(figures.FIGURES)})")
    data = base64.b64encode(figures.svg(name)).decode("ascii")
    return nbformat.v4.new_markdown_cell(f"![{figures.FIGURES[name].alt}](data:image/svg+xml;base64,{data})",
                                         metadata={COURSE: {"role": "figure", "figure": name}})


class AddFigures(Preprocessor):
    """Split Markdown cells at figure markers, putting each figure in a cell of its own; fill in worked numbers."""

    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                cells.append(cell)
                continue
            source = WORKED_NUMBERS.sub(lambda m: worked_numbers_markdown(), cell.source)
            parts = FIGURE.split(source)  # text, name, text, name, ..., text
            for k, part in enumerate(parts):
                if k % 2:
                    cells.append(figure_cell(part))
                elif part.strip():
                    piece = copy.deepcopy(cell) if k else cell
                    piece.source = part.strip("\n")
                    cells.append(piece)
        nb.cells = cells
        return nb, resources


EXPORT_SOURCE = """\
# Run this cell last: it saves your notebook and writes the zip to submit (otter's export, no PDF).
grader.export(pdf=False)"""


class AddExportCell(Preprocessor):
    """The last cell of a student notebook: otter's export (role `export`; graders leave it out like the init cell)."""

    def preprocess(self, nb, resources):
        cell = nbformat.v4.new_code_cell(EXPORT_SOURCE, metadata={COURSE: {"role": "export"}})
        nb.cells.append(cell)
        return nb, resources
