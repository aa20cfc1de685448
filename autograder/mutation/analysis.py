"""`course mutate`: mutants of an assignment's solution, graded by the sandbox, judged for equivalence, reported.

A mutant is the solution with one small edit in one implement cell (only in what this assignment asks for, not in
code carried from an earlier one). It is killed when the sandboxed grader takes points from it. The equivalence
probe runs it next to the solution in this process on random configurations: a mutant that never differs there is
equivalent (no test could catch it); a survivor that differs reveals a missing hidden case. The kill rate is
killed / (mutants that are really different).
"""

from __future__ import annotations

import ast
import contextlib
import copy
import dataclasses
import io
import random
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..config import Course
from ..master import Master, load_master, parse_implement, role
from ..release.implement import render
from .mutator import Mutation, Mutator, unified_diff
from .probe import Configurations, Difference, Probe


class MutationError(RuntimeError):
    """The analysis cannot run: no sandbox here, or the unmutated solution does not get full marks."""


@dataclass(frozen=True)
class Cell:
    """An implement cell's solution text and the line ranges a mutant may change."""

    cell_id: str
    source: str
    regions: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Mutant:
    number: int
    cell_id: str
    mutation: Mutation
    source: str         # the mutated cell
    diff: str


@dataclass
class Outcome:
    mutant: Mutant
    killed: bool
    failed_tests: list[str] = field(default_factory=list)
    difference: Difference | None = None

    @property
    def verdict(self) -> str:
        if self.killed:
            return "killed"
        return "survived" if self.difference else "equivalent"


def mutable_cells(master: Master) -> list[Cell]:
    """The assignment's implement cells with the regions this assignment asks for (function bodies, answers)."""
    cells = []
    for implement in master.implements:
        source = render(implement, "solution")
        regions = []
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign):
                regions.append((node.lineno, node.end_lineno))
            functions = [node] if isinstance(node, ast.FunctionDef) else (
                [n for n in node.body if isinstance(n, ast.FunctionDef)] if isinstance(node, ast.ClassDef) else [])
            carried = implement.carried.get(node.name, []) if hasattr(node, "name") else []
            for function in functions:
                if carried == "all" or function.name in carried:
                    continue
                regions.append((function.body[0].lineno, function.end_lineno))
        if regions:
            cells.append(Cell(implement.cell_id, source, tuple(regions)))
    return cells


def all_mutants(master: Master) -> list[Mutant]:
    """Every mutant of the assignment, in a fixed order (cell by cell, in source order)."""
    found = []
    for cell in mutable_cells(master):
        for mutation in Mutator(cell.source, list(cell.regions)).mutations():
            mutated = mutation.apply(cell.source)
            found.append(Mutant(len(found) + 1, cell.cell_id, mutation, mutated,
                                unified_diff(cell.source, mutated, cell.cell_id)))
    return found


def sample(mutants: list[Mutant], count: int, seed: int) -> list[Mutant]:
    """A fixed-seed sample of `count` mutants (all of them when there are fewer), in their original order."""
    if len(mutants) <= count:
        return list(mutants)
    return sorted(random.Random(seed).sample(mutants, count), key=lambda m: m.number)


def solution_cells(master: Master) -> dict[str, str]:
    return {implement.cell_id: render(implement, "solution") for implement in master.implements}


def notebook_text(release: nbformat.NotebookNode, cells: dict[str, str]) -> str:
    """The release notebook with each implement cell filled in with the given code."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        cell_id = cell.metadata.get("course", {}).get("implement")
        if cell_id:
            cell.source = cells[cell_id]
    return nbformat.writes(nb)


def namespace(master: Master, cells: dict[str, str]) -> dict:
    """The setup and implement cells executed in order (what the probe runs; given cells are left out)."""
    ns: dict = {"__name__": "__main__"}
    for cell in master.notebook.cells:
        kind = role(cell)
        if kind == "setup":
            source = cell.source
        elif kind == "implement":
            source = cells[parse_implement(cell).cell_id]
        else:
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(source, f"<{kind}>", "exec"), ns)
            except Exception:  # a mutant that breaks its own cell: its names stay undefined, like in a notebook
                pass
    return ns


def unit_names(master: Master) -> set[str]:
    return {name for implement in master.implements for name in implement.names}


def documented_attributes(cells: dict[str, str]) -> dict[str, frozenset]:
    """The attributes the solution's docstrings name as self.<attribute> (the contract tests may read): under
    'init' those a class or its __init__ names (set by __init__), under 'any' those any docstring names."""
    found = {"init": set(), "any": set()}

    def named(node) -> set[str]:
        return set(re.findall(r"self\.([A-Za-z_]\w*)", ast.get_docstring(node) or ""))

    for source in cells.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                found["any"] |= named(node)
            if isinstance(node, ast.ClassDef):
                found["init"] |= named(node)
                found["init"] |= set().union(*(named(f) for f in node.body
                                               if isinstance(f, ast.FunctionDef) and f.name == "__init__"))
    return {key: frozenset(names) for key, names in found.items()}


@dataclass
class MutationReport:
    assignment: str
    seed: int
    candidates: int
    outcomes: list[Outcome]
    min_kill_rate: float

    @property
    def killed(self) -> int:
        return sum(o.killed for o in self.outcomes)

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict == "survived"]

    @property
    def equivalent(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict == "equivalent"]

    @property
    def different(self) -> int:
        return self.killed + len(self.survivors)

    @property
    def kill_rate(self) -> float:
        return self.killed / self.different if self.different else 1.0

    @property
    def passes(self) -> bool:
        return self.kill_rate >= self.min_kill_rate

    def summary(self) -> str:
        return (f"{self.assignment}: {len(self.outcomes)} of {self.candidates} mutants (seed {self.seed}): "
                f"{self.killed} killed, {len(self.survivors)} survived, {len(self.equivalent)} equivalent; "
                f"kill rate {self.kill_rate:.1%} (killed / really different; required {self.min_kill_rate:.0%})")

    def markdown(self) -> str:
        lines = [f"# Mutation analysis of {self.assignment}", "",
                 "Generated by `course mutate " + self.assignment + "`; regenerate rather than edit.", "",
                 self.summary() + ".", "",
                 "A survivor keeps full marks although the equivalence probe saw it behave differently from the "
                 "solution: a hidden case is missing, or no test reads a documented attribute. An equivalent mutant "
                 "never differed on the probe's random configurations.", "", f"## Survivors ({len(self.survivors)})", ""]
        for o in self.survivors or []:
            lines += [f"### Mutant {o.mutant.number}: {o.mutant.mutation.operator}, "
                      f"{o.mutant.mutation.description}", "", o.difference.describe() + ".", "",
                      "```diff", o.mutant.diff.rstrip(), "```", ""]
        if not self.survivors:
            lines += ["None.", ""]
        lines += [f"## Equivalent mutants ({len(self.equivalent)})", ""]
        lines += [f"- mutant {o.mutant.number} ({o.mutant.cell_id}, line {o.mutant.mutation.line}): "
                  f"{o.mutant.mutation.operator}, {o.mutant.mutation.description}" for o in self.equivalent]
        return "\n".join(lines) + "\n"


class MutationAnalysis:
    """Generate, grade (sandbox) and probe (in process) a sample of an assignment's mutants."""

    def __init__(self, master: Master, release: nbformat.NotebookNode, tests, settings: dict, seed: int = 0,
                 count: int = 100, configurations: int = 12, min_kill_rate: float = 0.99):
        self.master, self.release, self.settings = master, release, settings
        self.seed, self.count, self.min_kill_rate = seed, count, min_kill_rate
        # the smallest-failing-configuration search only explains failures; a mutant needs none. A test worth no
        # points (a report) cannot kill a mutant: it is not run.
        self.tests = [dataclasses.replace(t, settings={**t.settings, "search_max_probes": 0}) for t in tests
                      if t.points > 0]
        self.solution = solution_cells(master)
        names = unit_names(master)
        self.probe = Probe(namespace(master, self.solution), Configurations(seed, configurations).for_units(names),
                           documented_attributes(self.solution))

    def mutants(self) -> tuple[int, list[Mutant]]:
        found = all_mutants(self.master)
        return len(found), sample(found, self.count, self.seed)

    def run(self, progress=None) -> MutationReport:
        """Grade and probe the fixed-seed sample of mutants."""
        candidates, mutants = self.mutants()
        return self.grade(mutants, candidates, progress)

    def grade(self, mutants: list[Mutant], candidates: int | None = None, progress=None) -> MutationReport:
        """Grade the given mutants with the sandbox; probe the ones that keep full marks."""
        from ..grading.submissions import Submission
        from ..sandbox.engine import SandboxEngine, SandboxUnavailable

        with tempfile.TemporaryDirectory(prefix="course-mutants-") as folder:
            folder = Path(folder)
            try:
                engine = SandboxEngine(self.tests, self.settings, hide=[folder])
            except SandboxUnavailable as exc:
                raise MutationError(f"mutants are graded by the sandbox engine: {exc}") from None
            try:
                engine.prepare()
                self._check_solution(engine, folder, Submission)
                outcomes = []
                for mutant in mutants:
                    path = folder / f"mutant-{mutant.number:04d}.ipynb"
                    path.write_text(notebook_text(self.release, {**self.solution, mutant.cell_id: mutant.source}))
                    result = engine.grade(Submission.from_path(path))
                    failed = [t.id for t in result.tests if not t.passed]
                    killed = bool(failed) or result.status != "graded"
                    difference = None if killed else self.probe.difference(
                        namespace(self.master, {**self.solution, mutant.cell_id: mutant.source}))
                    outcomes.append(Outcome(mutant, killed, failed, difference))
                    if progress:
                        progress(outcomes[-1])
            finally:
                engine.close()
        return MutationReport(self.master.assignment.id, self.seed, candidates or len(mutants), outcomes,
                              self.min_kill_rate)

    def _check_solution(self, engine, folder: Path, submission_type) -> None:
        """The unmutated solution must get full marks, or no mutant's result means anything."""
        path = folder / "solution.ipynb"
        path.write_text(notebook_text(self.release, self.solution))
        result = engine.grade(submission_type.from_path(path))
        failed = [f"{t.id}: {t.message}" for t in result.tests if not t.passed]
        if result.status != "graded" or failed:
            raise MutationError(f"the solution itself does not get full marks ({result.status}: {result.message}) "
                               + "; ".join(failed))


def report_path(master: Master) -> Path:
    """Where the committed survivors report of an assignment lives: tests/mutation/<id>-survivors.md in the course."""
    root = master.path
    for _ in Path(master.assignment.source).parts:  # the course folder is the master's path less its `source`
        root = root.parent
    return root / "tests" / "mutation" / f"{master.assignment.id}-survivors.md"


def analysis_for(course: Course, assignment_id: str, count: int | None = None, seed: int | None = None):
    """The analysis of an assignment with course.yml's mutation settings (count and seed may be overridden)."""
    from ..release.pipelines import all_tests, load_release

    master = load_master(course, assignment_id)
    settings = course.mutation
    return MutationAnalysis(master, load_release(assignment_id, master.assignment.notebook), all_tests(master),
                            course.grading_for(assignment_id), seed=settings.seed if seed is None else seed,
                            count=count or settings.mutants, configurations=settings.probe_configurations,
                            min_kill_rate=settings.min_kill_rate)
