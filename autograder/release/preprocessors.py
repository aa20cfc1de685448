"""Release steps, one small nbconvert preprocessor per transformation, composed into pipelines (pipelines.py).

Every step reads the master's cell roles (setup, implement, question, given, markdown) from the cell's
`course` metadata, which the first step (`MarkRoles`) fills in.
"""

from __future__ import annotations

import json
import textwrap

import nbformat
from nbconvert.preprocessors import Preprocessor

from ..cases import scored
from ..master import parse_implement, role
from .implement import is_answer_cell, render

COURSE = "course"  # cell metadata key for the course's own bookkeeping (survives nbgrader and otter)


def _meta(cell) -> dict:
    return cell.metadata.setdefault(COURSE, {})


class MarkRoles(Preprocessor):
    """Record each cell's role, and what it implements or asks, in cell.metadata.course; drop authoring tags."""

    def preprocess_cell(self, cell, resources, index):
        kind = role(cell)
        meta = _meta(cell)
        meta["role"] = kind
        if kind == "implement":
            impl = parse_implement(cell)
            meta["implement"] = impl.cell_id
            if is_answer_cell(impl):
                meta["role"] = "answer"
        elif kind == "question":
            meta["question"] = resources["master"].questions_by_source[cell.source].name
        tags = [t for t in cell.metadata.pop("tags", []) if t not in ("setup", "implement", "question")]
        if tags:
            cell.metadata["tags"] = tags
        for key in ("members", "carried"):
            cell.metadata.pop(key, None)
        return cell, resources


class ExpandImplementCells(Preprocessor):
    """Replace each implement directive with the code in one style (solution, nbgrader, otter, stub)."""

    def __init__(self, style: str, **kw):
        super().__init__(**kw)
        self.style = style

    def preprocess(self, nb, resources):
        implements = {impl.cell_id: impl for impl in resources["master"].implements}
        for cell in nb.cells:
            meta = cell.metadata.get(COURSE, {})
            if meta.get("role") in ("implement", "answer"):
                impl = implements[meta["implement"]]
                # nbgrader turns whole answer cells into a raising stub; answers stay plain editable cells there
                style = "stub" if meta["role"] == "answer" and self.style == "nbgrader" else self.style
                cell.source = render(impl, style)
        return nb, resources


def _spec_literal(specs: list[dict]) -> str:
    """The test specs as a Python string literal holding JSON, which grade() parses: a repr of the specs would
    not be Python where a reference is NaN or infinite (`nan` is no name), JSON keeps them."""
    return repr(json.dumps(specs))


class RenderNbgraderQuestions(Preprocessor):
    """A question becomes one check cell: public checks for students, every test in a hidden region for grading."""

    def preprocess_cell(self, cell, resources, index):
        if cell.metadata.get(COURSE, {}).get("role") != "question":
            return cell, resources
        question = resources["questions"][cell.metadata[COURSE]["question"]]
        specs = [t.to_dict() for t in question.tests]
        source = textwrap.dedent(f"""\
            check("{question.name}")
            ### BEGIN HIDDEN TESTS
            from autograder.notebook import grade
            grade("{question.name}", {_spec_literal(specs)})
            ### END HIDDEN TESTS""")
        new = nbformat.v4.new_code_cell(source, metadata=cell.metadata)
        return new, resources


class RenderOtterQuestions(Preprocessor):
    """A question becomes otter's raw-cell block with one exception-based test function per scored test (otter
    shows nothing of a passed test, so a report worth no points would only cost its time there)."""

    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            if cell.metadata.get(COURSE, {}).get("role") != "question":
                cells.append(cell)
                continue
            question = resources["questions"][cell.metadata[COURSE]["question"]]
            cells.append(nbformat.v4.new_raw_cell(f"# BEGIN QUESTION\nname: {question.name}"))
            cells.append(nbformat.v4.new_raw_cell("# BEGIN TESTS"))
            for test in scored(question.tests):
                config = f"hidden: {str(test.hidden).lower()}\npoints: {test.points}"
                source = (f'""" # BEGIN TEST CONFIG\n{config}\n""" # END TEST CONFIG\n'
                          f"def test_{question.name}_{test.name}(env):\n"
                          f"    from autograder.notebook import run_otter_test\n"
                          f"    run_otter_test(env, \"{test.id}\")  # cases: tests/{question.name}.json\n")
                cells.append(nbformat.v4.new_code_cell(source))
            cells.append(nbformat.v4.new_raw_cell("# END TESTS"))
            cells.append(nbformat.v4.new_raw_cell("# END QUESTION"))
        nb.cells = cells
        return nb, resources


INIT_SOURCE = """\
# Run this cell first. It loads the course's checks: check("question") runs a question's public tests.
import otter
from autograder.notebook import PublicChecks

grader = otter.Notebook("{notebook}")
check = PublicChecks(grader, points={points})"""


class AddInitCell(Preprocessor):
    """The first code cell of a student notebook: otter's Notebook and the course's check()."""

    def preprocess(self, nb, resources):
        assignment = resources["master"].assignment
        points = {name: float(p) for name, p in assignment.questions.items()}
        cell = nbformat.v4.new_code_cell(INIT_SOURCE.format(notebook=assignment.notebook, points=points))
        _meta(cell)["role"] = "init"
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type != "markdown")
        nb.cells.insert(first_code, cell)
        return nb, resources


class AddOtterConfig(Preprocessor):
    """otter assign's ASSIGNMENT CONFIG raw cell: exception-based test files, the library shipped, no PDFs."""

    def preprocess(self, nb, resources):
        assignment = resources["master"].assignment
        config = textwrap.dedent(f"""\
            # ASSIGNMENT CONFIG
            name: {assignment.id}
            python_version: "3.11"
            requirements: requirements.txt
            overwrite_requirements: false
            files:
              - autograder
            tests:
                files: true
                ok_format: false
            export_cell:
                pdf: false
            check_all_cell: false
            run_tests: false
            generate:
                pdf: false
                show_hidden: false
                show_stdout: false""")
        nb.cells.insert(0, nbformat.v4.new_raw_cell(config))
        return nb, resources


class AddNbgraderMetadata(Preprocessor):
    """nbgrader cell metadata by role: code students write is a solution cell; given code, setup and checks
    are locked; a check cell is a grade cell worth the question's points."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get(COURSE, {})
        kind = meta.get("role")
        base = {"schema_version": 3, "solution": False, "grade": False, "locked": False}
        if kind in ("setup", "given", "init"):
            cell.metadata["nbgrader"] = {**base, "locked": True, "grade_id": f"{kind}-{index}"}
        elif kind == "implement":
            cell.metadata["nbgrader"] = {**base, "solution": True, "grade_id": meta["implement"]}
        elif kind == "question":
            points = resources["questions"][meta["question"]].points
            cell.metadata["nbgrader"] = {**base, "grade": True, "locked": True, "points": points,
                                         "grade_id": f"check-{meta['question']}"}
        return cell, resources


class StableCellIds(Preprocessor):
    """Deterministic cell ids (nbformat 4.5), so that regenerating a release changes nothing."""

    def preprocess(self, nb, resources):
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get(COURSE, {})
            label = meta.get("implement") or meta.get("question") or meta.get("role") or cell.cell_type
            cell["id"] = f"{index:03d}-{label}"[:64]
        return nb, resources
