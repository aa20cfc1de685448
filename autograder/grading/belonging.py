"""Which assignment a notebook belongs to, from its own metadata: a notebook of another assignment is not graded.

otter's metadata.otter.assignment_name decides when present; otherwise nbgrader's check cell ids (grade cells) do,
and only when they are exactly some assignment's (a2 carries a1's implement cells, so shared cells prove nothing).
Stripped metadata: the notebook is graded, with a warning in its notes.
"""

from __future__ import annotations

from dataclasses import dataclass

WRONG_ASSIGNMENT = "wrong_assignment"


def check_cell_ids(notebook) -> set[str]:
    """nbgrader's ids of the graded (check) cells of a notebook."""
    ids = set()
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("grade") and meta.get("grade_id"):
            ids.add(str(meta["grade_id"]))
    return ids


@dataclass(frozen=True)
class Verdict:
    belongs_to: str | None    # the assignment the metadata names, None when it names none
    warning: str = ""         # metadata stripped: graded anyway, with this note

    def wrong(self, assignment: str) -> bool:
        return self.belongs_to is not None and self.belongs_to != assignment


class AssignmentGuard:
    """Knows every assignment's check cells; says which assignment a notebook's metadata names."""

    def __init__(self, assignment: str, known_check_ids: dict[str, set[str]]):
        self.assignment, self.known = assignment, known_check_ids

    @classmethod
    def for_course(cls, course, assignment: str) -> "AssignmentGuard":
        """From the committed releases of every assignment of the course (those that exist)."""
        from ..release.pipelines import load_release

        known = {}
        for a in course.assignments:
            try:
                known[a.id] = check_cell_ids(load_release(a.id, a.notebook))
            except OSError:
                continue
        return cls(assignment, known)

    def verdict(self, notebook) -> Verdict:
        otter = notebook.get("metadata", {}).get("otter", {})
        name = otter.get("assignment_name") if isinstance(otter, dict) else None
        if isinstance(name, str) and name.strip():
            return Verdict(name.strip())
        ids = check_cell_ids(notebook)
        if ids:
            exact = [a for a, known in self.known.items() if known and known == ids]
            if exact:
                return Verdict(self.assignment if self.assignment in exact else exact[0])
        return Verdict(None, f"the notebook carries no assignment metadata (otter's assignment_name, nbgrader's "
                             f"check cells); graded as {self.assignment}: check it is the right notebook")

    def message(self, verdict: Verdict) -> str:
        return (f"this notebook belongs to assignment {verdict.belongs_to} (its metadata says so), not to "
                f"{self.assignment}: it was not graded as {self.assignment}; submit the {self.assignment} notebook")


class GuardedEngine:
    """An engine that grades only notebooks of its own assignment; every other attribute is the engine's own."""

    def __init__(self, engine, guard: AssignmentGuard):
        self.engine, self.guard = engine, guard

    def __getattr__(self, name):
        return getattr(self.engine, name)

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def isolation(self) -> str:
        return self.engine.isolation

    def prepare(self) -> None:
        self.engine.prepare()

    def close(self) -> None:
        self.engine.close()

    def grade(self, submission):
        from .results import SubmissionResult
        from .submissions import SubmissionError

        try:
            verdict = self.guard.verdict(submission.read())
        except SubmissionError:
            return self.engine.grade(submission)  # the engine says what is wrong with the file
        if verdict.wrong(self.guard.assignment):
            return SubmissionResult(assignment=self.guard.assignment, student=submission.student,
                                    file=submission.file, content_hash=submission.content_hash,
                                    engine=self.engine.name, status=WRONG_ASSIGNMENT,
                                    message=self.guard.message(verdict),
                                    isolation=self.engine.isolation)
        result = self.engine.grade(submission)
        result.file = submission.file   # its path in the class folder, not only its name
        if verdict.warning:
            result.notes = [verdict.warning, *result.notes]
        return result
