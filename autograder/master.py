"""The instructor master of an assignment: one jupytext Markdown file under source/.

Cells and what they become:
- Markdown cells: course text, shipped as they are.
- ```python tags=["setup"]```: code every notebook runs first (imports); locked.
- ```python tags=["implement"]```: `from solutions.<module> import A, B` lines naming what students write. Releases
  get stubs (signatures and docstrings kept), grading bundles the solution. Optional metadata:
  members={"ConvLayer": ["__init__", "forward"]} (which methods this assignment asks for) and
  carried={"ConvLayer": ["forward"]} (methods written in an earlier assignment, pasted in by the student).
- untagged ```python``` cells: given code, shipped as it is.
- ```python tags=["demo", "otter_ignore"]```: a demonstration (load data, train, plot), shipped as it is and
  never run when grading (the sandbox leaves it out and says so, otter ignores it, nbgrader clears it).
- <!-- #raw tags=["question"] --> YAML: a question's tests (public and hidden) and their cases. It becomes the
  question's check cell; the YAML itself never reaches a release.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import yaml

from .cases import CaseSpec, TestSpec, encode
from .checks import get_check, needs_reference, reference_setup, reference_sources
from .config import AssignmentConfig, Course, course_root


class MasterError(ValueError):
    """The source master is inconsistent; the message names the cell or question."""


@dataclass(frozen=True)
class Implement:
    """An implement cell: names imported from a solutions module, and which members the assignment asks for."""

    module: str
    names: tuple[str, ...]
    members: dict = field(default_factory=dict)
    carried: dict = field(default_factory=dict)

    @property
    def cell_id(self) -> str:
        return "implement-" + "-".join(self.names)


@dataclass(frozen=True)
class Question:
    name: str
    points: float
    tests: tuple[TestSpec, ...]

    @property
    def public_tests(self) -> tuple[TestSpec, ...]:
        return tuple(t for t in self.tests if not t.hidden)


@dataclass
class Master:
    assignment: AssignmentConfig
    notebook: nbformat.NotebookNode
    questions: dict[str, Question]
    implements: list[Implement]

    @property
    def path(self) -> Path:
        return course_root() / self.assignment.source

    @property
    def questions_by_source(self) -> dict[str, Question]:
        """A question cell's YAML text -> its Question (questions are parsed in cell order)."""
        sources = [cell.source for cell in self.notebook.cells if role(cell) == "question"]
        return dict(zip(sources, self.questions.values()))


def role(cell) -> str:
    """setup | implement | question | demo | given | markdown"""
    tags = cell.metadata.get("tags", [])
    for name in ("setup", "implement", "question", "demo"):
        if name in tags:
            return name
    return "markdown" if cell.cell_type == "markdown" else "given"


def parse_implement(cell) -> Implement:
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as exc:
        raise MasterError(f"implement cell is not Python: {exc}") from None
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    if len(imports) != len(tree.body) or len(imports) != 1 or not (imports[0].module or "").startswith("solutions."):
        raise MasterError(f"an implement cell holds exactly one `from solutions.<module> import ...` line, got:\n{cell.source}")
    names = tuple(alias.name for alias in imports[0].names)
    return Implement(module=imports[0].module, names=names, members=dict(cell.metadata.get("members", {})),
                     carried=dict(cell.metadata.get("carried", {})))


def _literal_inputs(inputs: dict | None):
    """YAML lists in a literal case become arrays; numbers stay numbers."""
    if inputs is None:
        return None
    return {k: encode(np.asarray(v, dtype=np.float64)) if isinstance(v, list) else v for k, v in inputs.items()}


def parse_question(cell, assignment: AssignmentConfig, settings: dict) -> Question:
    try:
        data = yaml.safe_load(cell.source)
    except yaml.YAMLError as exc:
        raise MasterError(f"question cell is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or set(data) != {"question", "tests"}:
        raise MasterError(f"a question cell has exactly the keys 'question' and 'tests'; got {cell.source[:80]!r}")
    name = data["question"]
    if name not in assignment.questions:
        raise MasterError(f"question {name!r} is in {assignment.source} but not under assignments.{assignment.id}"
                          ".questions in course.yml")
    points = float(assignment.questions[name])
    raw_tests = data["tests"]
    weights = [float(t.get("weight", 1)) for t in raw_tests]
    tests, seen = [], set()
    for raw, weight in zip(raw_tests, weights):
        unknown = set(raw) - {"name", "check", "hidden", "weight", "description", "cases"}
        if unknown:
            raise MasterError(f"question {name}: test {raw.get('name')!r} has unknown keys {sorted(unknown)}")
        if raw["name"] in seen:
            raise MasterError(f"question {name}: test name {raw['name']!r} is used twice")
        seen.add(raw["name"])
        try:
            check = get_check(raw["check"])
            cases = tuple(CaseSpec.from_dict({**c, "inputs": _literal_inputs(c.get("inputs"))}) for c in raw["cases"])
        except (KeyError, ValueError) as exc:
            raise MasterError(f"question {name}, test {raw['name']!r}: {exc}") from None
        if check.uses_fd_step:  # the step h of course.yml, unless a case sets its own
            cases = tuple(replace(c, params={"fd_step": settings["fd_step"], **c.params}) for c in cases)
        if check.uses_training:  # train()'s epochs and learning rate from course.yml (a case may set its own)
            if assignment.training is None:
                raise MasterError(f"question {name}, test {raw['name']!r}: check {raw['check']} trains a network; "
                                  f"set assignments.{assignment.id}.training (epochs, learning_rate) in course.yml")
            cases = tuple(replace(c, params={**assignment.training.model_dump(), **c.params}) for c in cases)
        for case in cases:
            if check.random_inputs and case.seed is None and case.inputs is None:
                raise MasterError(f"question {name}, test {raw['name']!r}, case {case.id!r}: give a seed or inputs")
        hidden = bool(raw.get("hidden", False))
        test_settings = settings
        timeout = assignment.test_timeout(name, raw["name"])  # course.yml's test_timeouts_s, if it sets one
        if timeout is not None:
            test_settings = {**settings, "test_timeout_s": timeout}
        if hidden and needs_reference([{"cases": cases}]):  # the course's activators travel with the hidden test
            test_settings = {**test_settings, "driver_setup": reference_setup(
                reference_sources([{"cases": cases}], course_root() / "solutions"))}
        tests.append(TestSpec(assignment=assignment.id, question=name, name=raw["name"], check=raw["check"],
                              points=points * weight / sum(weights), hidden=hidden,
                              description=raw.get("description", ""), cases=cases, settings=test_settings))
    if not any(not t.hidden for t in tests):
        raise MasterError(f"question {name} needs at least one public test, so students can check their work")
    return Question(name=name, points=points, tests=tuple(tests))


def load_master(course: Course, assignment_id: str) -> Master:
    """Read and validate an assignment's master against course.yml."""
    assignment = course.assignment(assignment_id)
    path = course_root() / assignment.source
    if not path.is_file():
        raise MasterError(f"{assignment.source}: source master not found")
    notebook = jupytext.read(path)
    settings = course.grading.for_tests()
    questions: dict[str, Question] = {}
    implements = []
    for cell in notebook.cells:
        kind = role(cell)
        try:
            if kind == "question":
                question = parse_question(cell, assignment, settings)
                if question.name in questions:
                    raise MasterError(f"question {question.name!r} appears twice")
                questions[question.name] = question
            elif kind == "implement":
                implements.append(parse_implement(cell))
        except MasterError as exc:
            raise MasterError(f"{assignment.source}: {exc}") from None
    unknown = assignment.unknown_timeout_keys(t.id for q in questions.values() for t in q.tests)
    if unknown:
        raise MasterError(f"course.yml: assignments {assignment.id}: test_timeouts_s: {', '.join(map(repr, unknown))} "
                          f"names no test of {assignment.source}")
    missing = set(assignment.questions) - set(questions)
    if missing:
        raise MasterError(f"{assignment.source}: course.yml lists question(s) {sorted(missing)} that the master lacks")
    return Master(assignment=assignment, notebook=notebook, questions=questions, implements=implements)
