"""Partial credit under otter: a failed test's share of its points (Verdict.partial) in otter's score.

otter scores a test file (a question) by the points of its passed test cases. When a failed course test earned a
share, `run_otter_test` (the kernel) records it here on the otter test file being run, and sets that file's score
to what the library scores the question: the passed cases' points plus the earned shares (otter's public
`TestFile.update_score`; the score travels with the results otter pickles in the kernel). An otter plugin cannot do
this robustly: plugins are imported by otter's own process, whose sys.path holds neither the submission folder nor
the zip's files under `otter run` (in `otter grade`'s container it holds /autograder/source, the zip's root, only).

The failure message then starts with a fixed line head, `[question.test] partial credit, X of Y points: `, which
`OtterRunEngine` reads back from otter's results (only from the exception line otter writes first in a case's
block, so text further on, the student's included, never counts).
"""

from __future__ import annotations

import inspect
import re
import weakref

_NUMBER = r"\d+(?:\.\d+)?(?:e[-+]\d+)?"
_HEAD = re.compile(rf"\[(?P<id>[\w.]+)\] partial credit, (?P<earned>{_NUMBER}) of (?P<points>{_NUMBER}) points: ")


def number(value: float) -> str:
    """A score in a message: six significant digits, no float noise (1.78337, 3.33333, 2)."""
    return f"{value:.6g}"


def failure_text(test_id: str, score: float, points: float, message: str) -> str:
    """The AssertionError text of a failed test: its id, what it earned when that is a share, then its message, on
    ONE line (a student's text inside the message can never start a line of otter's results: no forged blocks)."""
    message = " ".join(line.strip() for line in str(message).splitlines() if line.strip())
    if 0 < score < points:
        return f"[{test_id}] partial credit, {number(score)} of {number(points)} points: {message}"
    return f"[{test_id}] {message}"


def earned_in(exception_line: str, test_id: str, points: float) -> float:
    """The points a failed test earned, from the exception line otter wrote for it ('AssertionError: [id] ...').

    0 unless the line starts with the head for this very test; never more than its points."""
    text = exception_line.strip()
    if not text.startswith("AssertionError: "):
        return 0.0
    found = _HEAD.match(text.removeprefix("AssertionError: "))
    if not found or found["id"] != test_id:
        return 0.0
    return min(max(float(found["earned"]), 0.0), float(points))


def without_head(message: str) -> str:
    """A failure message without the partial credit head (the course's own message follows it)."""
    found = _HEAD.match(message)
    return f"[{found['id']}] " + message[found.end():] if found else message


def block_exception_line(body: str) -> str:
    """The exception line of one failed case in otter's results: the line after 'Error at line N ...' and the
    test source line under it (otter writes no context around it); '' when the block has no such header."""
    lines = [line.strip() for line in body.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith("Error at line ") and index + 2 < len(lines):
            return lines[index + 2]
    return ""


class OtterTestFileScore:
    """The otter test file whose cases are running (found on the call stack), scored with the shares earned.

    Only a file where some case earned a share gets a score set; any other keeps otter's own (passed cases)."""

    _shares: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # test file -> {case index: points}

    def __init__(self, test_file):
        self.test_file = test_file

    @classmethod
    def running(cls) -> "OtterTestFileScore | None":
        """The test file otter is running (the `self` of TestFile.run below us), or None outside otter."""
        try:
            from otter.test_files.abstract_test import TestFile
        except ImportError:
            return None
        frame = inspect.currentframe()
        while frame is not None:
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, TestFile):
                return cls(candidate)
            frame = frame.f_back
        return None

    def record(self, passed: bool, score: float) -> None:
        """The case now running passed, or failed with this score; update the file's score if it has shares."""
        done = self.test_file.test_case_results
        cases = self.test_file.test_cases
        index = len(done)
        if index >= len(cases):
            return
        shares = self._shares.setdefault(self.test_file, {})
        if not passed and score > 0:
            shares[index] = min(float(score), float(cases[index].points or 0))
        if not shares:
            return
        total = sum((r.test_case.points or 0) if r.passed else shares.get(i, 0.0) for i, r in enumerate(done))
        total += (cases[index].points or 0) if passed else shares.get(index, 0.0)
        self.test_file.update_score(round(total, 6))
