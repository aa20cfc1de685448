"""nbgrader's OverwriteCells without the course's false alarm on check cells with hidden tests.

nbgrader stores each check cell's source WITH its hidden tests in the gradebook, while the release students get has
them cleared; so at autograde every such cell's checksum differs and nbgrader warns "Attribute 'checksum' for cell
... has changed!" for every student, although nobody changed anything. This subclass restores the cell exactly as
nbgrader does, and warns only when the submitted cell differs from the release's (the source with its hidden tests
cleared): a real edit of a locked cell.
"""

from __future__ import annotations

import copy

from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells

RELEASED_AS_IS = ("cell %s: the hidden tests the release cleared were put back before grading (nbgrader's checksum "
                  "differs for this reason only; the student did not change the cell)")


class OverwriteCellsKnowingHiddenTests(OverwriteCells):
    """Restore locked cells from the gradebook; warn only about cells the student really changed."""

    def preprocess_cell(self, cell, resources, cell_index):
        self._submitted_source = cell.source
        return super().preprocess_cell(cell, resources, cell_index)

    def _released_source(self, grade_id: str) -> str:
        """The cell's source as the release shipped it: the gradebook's, hidden tests cleared."""
        source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        released = copy.deepcopy({"cell_type": source_cell.cell_type, "source": source_cell.source, "metadata": {}})
        from nbformat import from_dict

        cell = from_dict(released)
        ClearHiddenTests(parent=self)._remove_hidden_test_region(cell)
        return cell.source

    def report_change(self, name, attr, old, new):
        if attr == "checksum":
            try:
                unchanged = self._released_source(name).strip() == self._submitted_source.strip()
            except Exception:  # noqa: BLE001 - when in doubt, nbgrader's own warning
                unchanged = False
            if unchanged:
                self.log.debug(RELEASED_AS_IS, name)
                return
        super().report_change(name, attr, old, new)


class SkipDemonstrations(Preprocessor):
    """Demonstration cells (tag `demo`: load data, train, plot) are not run at autograde: their code is replaced
    by a comment saying so, as the sandbox leaves them out and otter ignores them (`otter_ignore`)."""

    def preprocess_cell(self, cell, resources, cell_index):
        role = (cell.metadata.get("course") or {}).get("role")
        if cell.cell_type == "code" and (role == "demo" or "demo" in cell.metadata.get("tags", [])):
            cell.source = "# A demonstration cell: not run when grading."
            cell.outputs = []
        return cell, resources
