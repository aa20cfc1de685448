"""Grading with otter: `otter run` on each submission, in its own process group, under a wall-clock limit.

`otter grade` needs Docker; `otter run` does the same grading without it, but has no timeout of its own and
runs student code in the kernel that runs the tests (see the sandbox engine for a grader that does not).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..cases import TestSpec, scored
from ..otter_credit import block_exception_line, earned_in, without_head
from ..runner import ALL_PASSED, TestResult
from .results import SubmissionResult, failed_tests
from .submissions import Submission, SubmissionError, read_notebook

ISOLATION = "none: student code shares the kernel with otter's tests"
_BLOCK = re.compile(r"^\s*(?P<question>\S+) - (?P<index>\d+) result:\n(?P<body>.*?)(?=^\s*\S+ - \d+ result:|\Z)",
                    re.M | re.S)
_ERROR = re.compile(r"^\s*(?P<kind>[A-Za-z_][\w.]*): (?P<message>.*)$", re.M)


def run_with_limit(command: list[str], cwd: Path, timeout_s: float, env: dict | None = None) -> tuple[int | None, str]:
    """Run a command in its own session; on timeout kill its whole process group. (returncode or None, output)."""
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
        log.seek(0)
        return code, log.read()


def _failure_message(body: str) -> str:
    """Our message from an otter failure block: the exception line, without otter's quoted test source."""
    found = list(_ERROR.finditer(body))
    if not found:
        return "the test failed"
    last = found[-1]
    message = body[last.start("message"):].strip()
    message = re.sub(r"^\[[\w.]+\] ", "", without_head(message))
    return message if last["kind"] == "AssertionError" else f"{last['kind']}: {message}"


def parse_results(results: dict, tests: list[TestSpec]) -> list[TestResult]:
    """Map otter's results.json (one row per question) onto the course's tests, in test-file order."""
    rows = {row.get("name"): row for row in results.get("tests", [])}
    parsed = []
    for question in dict.fromkeys(t.question for t in tests):
        in_question = [t for t in tests if t.question == question]
        row = rows.get(question)
        failures, earned = {}, {}
        if row is None:
            failures = {i: "otter reported no result for this question" for i in range(len(in_question))}
        else:
            for block in _BLOCK.finditer(row.get("output", "")):
                index = int(block["index"]) - 1
                if block["question"] == question and "Test case failed" in block["body"] and index not in failures:
                    failures[index] = _failure_message(block["body"])  # the first block of a case is otter's own
                    earned[index] = block_exception_line(block["body"])
        for index, spec in enumerate(in_question):
            message = failures.get(index)
            share = earned_in(earned.get(index, ""), f"{spec.question}.{spec.name}", spec.points)  # partial credit
            parsed.append(TestResult(
                assignment=spec.assignment, question=spec.question, name=spec.name, description=spec.description,
                hidden=spec.hidden, points=spec.points, score=share if message else spec.points,
                status="failed" if message else "passed", message=message or ALL_PASSED))
        if row is not None and abs(sum(r.score for r in parsed if r.question == question) - row["score"]) > 1e-4:
            raise ValueError(f"could not match otter's score for {question}: {row['score']} vs the parsed tests")
    return parsed


class OtterRunEngine:
    """One `otter run` per submission with the assignment's autograder zip."""

    name = "otter-run"
    isolation = ISOLATION

    def __init__(self, autograder_zip: Path, tests: list[TestSpec], timeout_s: float):
        # the zip's test files hold the scored tests only (release/preprocessors.py): a report has no result here
        self.autograder_zip, self.tests, self.timeout_s = Path(autograder_zip), scored(tests), timeout_s

    def _result(self, submission: Submission, status: str, message: str = "", tests=(), started=0.0):
        return SubmissionResult(
            assignment=self.tests[0].assignment, student=submission.student, file=submission.path.name,
            content_hash=submission.content_hash, engine=self.name, status=status, message=message,
            tests=list(tests) or failed_tests(self.tests, "failed" if status == "graded" else status, message),
            duration_s=round(time.perf_counter() - started, 3), isolation=ISOLATION)

    def prepare(self) -> None:
        """Nothing to do: each `otter run` starts from the zip."""

    def grade(self, submission: Submission) -> SubmissionResult:
        started = time.perf_counter()
        try:
            read_notebook(submission.path)
        except SubmissionError as exc:
            return self._result(submission, "error", str(exc), started=started)
        with tempfile.TemporaryDirectory(prefix="otter-run-") as tmp:
            out = Path(tmp) / "out"
            out.mkdir()
            from ..tools import tool_environment

            code, log = run_with_limit([sys.executable, "-m", "otter", "run", "-a", str(self.autograder_zip),
                                        "-o", str(out), str(submission.path.resolve())],
                                       cwd=Path(tmp), timeout_s=self.timeout_s, env=tool_environment())
            if code is None:
                return self._result(submission, "timeout", f"grading stopped after {self.timeout_s:g} s "
                                    "(an endless loop?); every test of this submission gets 0", started=started)
            results_file = out / "results.json"
            if code != 0 or not results_file.is_file():
                tail = "\n".join(line for line in log.strip().splitlines()[-5:])
                return self._result(submission, "error", f"otter run failed (exit {code}): {tail}", started=started)
            tests = parse_results(json.loads(results_file.read_text()), self.tests)
        return self._result(submission, "graded", tests=tests, started=started)

    def close(self) -> None:
        """Nothing to release: every `otter run` has ended with its submission."""
