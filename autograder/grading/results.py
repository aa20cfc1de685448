"""What grading one submission produces, and how it is stored: one JSON per submission, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..cases import TestSpec
from ..runner import TestResult


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
    status: str                       # graded | error | timeout
    message: str = ""                 # why grading could not run (status error/timeout)
    tests: list[TestResult] = field(default_factory=list)
    duration_s: float = 0.0
    isolation: str = ""               # what kept the student's code away from the grader
    notes: list[str] = field(default_factory=list)  # what happened to the notebook's own cells

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

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
        path = folder / f"{self.student}.json"
        write_atomic(path, self.to_json())
        return path

    @classmethod
    def load(cls, folder: Path, student: str) -> "SubmissionResult | None":
        path = folder / f"{student}.json"
        if not path.is_file():
            return None
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError):
            return None  # a damaged result is graded again
