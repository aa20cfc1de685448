"""The code a submission's namespace is built from: a notebook's code cells, magics and shell lines handled."""

from __future__ import annotations

import nbformat


def notebook_code(nb: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """The code cells a submission's namespace is built from, and notes on what was left out.

    The course's own cells (otter's init, check cells) are skipped: grading replaces them. IPython magics and
    shell lines are not Python; they are dropped (replaced by `pass`, so blocks stay valid) with a note.
    """
    cells, notes = [], []
    for number, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        if cell.metadata.get("course", {}).get("role") in ("init", "question"):
            continue
        source = cell.source
        if source.lstrip().startswith("%%"):
            notes.append(f"code cell {number}: a cell magic ({source.split()[0]}) was left out")
            continue
        lines = []
        for line in source.splitlines():
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")):
                notes.append(f"code cell {number}: the IPython line {stripped[:40]!r} was left out")
                lines.append(line[: len(line) - len(stripped)] + "pass")
            else:
                lines.append(line)
        cells.append("\n".join(lines))
    return cells, notes
