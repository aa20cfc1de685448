"""What grading one submission produces, and how it is stored: one JSON per submission, written atomically.

A stored result is reused only when its key matches: the notebook's content, the engine, the configuration that
affects the grade (points, tolerances, tests and their cases, timeouts, budgets) and the grading library's own
source. Every text in a result is bounded and made safe to show before it is stored.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..cases import TestSpec
from ..runner import TestResult
from .text import bounded, bounded_list

LIBRARY = Path(__file__).resolve().parents[1]   # the autograder package
MAX_RESULT_FILE = 16 << 20                      # a stored result larger than this is not read: it is regraded
NOT_GRADED = ("unreadable", "error", "not_graded", "wrong_assignment")  # rows without points (never 0)


@functools.lru_cache(maxsize=None)
def library_hash() -> str:
    """sha256 over the grading library's own source files: any change to the grader regrades."""
    digest = hashlib.sha256()
    for path in sorted(LIBRARY.rglob("*.py")):
        digest.update(str(path.relative_to(LIBRARY)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def grading_key(engine: str, questions: dict, tests: list[TestSpec], config: dict) -> str:
    """Everything but the notebook that a stored result depends on: the same for a whole class, computed once."""
    data = {"engine": engine, "questions": questions, "config": config, "tests": [t.to_dict() for t in tests],
            "library": library_hash()}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def submission_key(content_hash: str, grading: str) -> str:
    """One submission's key: its content under a grading_key."""
    return hashlib.sha256(f"{content_hash}\0{grading}".encode()).hexdigest()


def result_key(content_hash: str, engine: str, questions: dict, tests: list[TestSpec], config: dict) -> str:
    """What a stored result must have been computed from to be reused."""
    return submission_key(content_hash, grading_key(engine, questions, tests, config))


def file_stem(student: str) -> str:
    """The name of a student's result and feedback files: the student's name, shortened if the disk needs it."""
    if len(student.encode()) <= 200:
        return student
    return student.encode()[:160].decode(errors="ignore") + "-" + hashlib.sha256(student.encode()).hexdigest()[:16]


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def failed_tests(tests: list[TestSpec], status: str, message: str) -> list[TestResult]:
    """Every test at 0 points with one message: for a submission that could not be graded at all."""
    return [TestResult(assignment=t.assignment, question=t.question, name=t.name, description=t.description,
                       hidden=t.hidden, points=t.points, score=0.0, status=status, message=message) for t in tests]


@dataclass
class SubmissionResult:
    assignment: str
    student: str
    file: str
    content_hash: str
    engine: str
    status: str                       # graded | timeout | unreadable | error | not_graded (see NOT_GRADED)
    message: str = ""                 # why grading could not run (every status but graded)
    tests: list[TestResult] = field(default_factory=list)
    duration_s: float = 0.0
    isolation: str = ""               # what kept the student's code away from the grader
    notes: list[str] = field(default_factory=list)  # what happened to the notebook's own cells
    key: str = ""                     # result_key(...) it was computed under; resume reuses only a match

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def graded(self) -> bool:
        """Has it points at all? (unreadable files and the grader's own failures have none, not 0)"""
        return self.status not in NOT_GRADED

    def bounded(self) -> "SubmissionResult":
        """A copy whose every text is capped and safe to show (messages 4 KiB, notes 64 KiB together)."""
        tests = [dataclasses.replace(t, message=bounded(t.message), cases=[
            dataclasses.replace(c, message=bounded(c.message), description=bounded(c.description))
            for c in t.cases]) for t in self.tests]
        return dataclasses.replace(self, message=bounded(self.message), tests=tests, notes=bounded_list(self.notes))

    def to_json(self) -> str:
        data = asdict(self)
        data["score"] = self.score
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SubmissionResult":
        data = json.loads(text)
        data.pop("score", None)
        data["tests"] = [TestResult.from_dict(t) for t in data.get("tests", [])]
        return cls(**data)

    def save(self, folder: Path) -> Path:
        path = folder / f"{file_stem(self.student)}.json"
        write_atomic(path, self.to_json())
        return path

    @classmethod
    def load(cls, folder: Path, student: str, key: str | None = None) -> "SubmissionResult | None":
        """The stored result, if there is a sound one (and its key is `key`); None means: grade it again."""
        path = folder / f"{file_stem(student)}.json"
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_RESULT_FILE:
                return None
            result = cls.from_json(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a damaged or forged file of any shape is graded again
            return None
        if result.student != student or (key is not None and result.key != key):
            return None
        return result
