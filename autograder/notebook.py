"""What notebook test cells call: the only code generated tests contain is a call into this module.

- otter test files:  run_otter_test(env, "question.test")  reads the test from tests/<question>.json beside the
                     test file; raises AssertionError with a student-facing message
- the release:       check(question)             public tests through otter's grader.check; shows the course's
                     message; returns points only under nbgrader (no Out[n] in Jupyter)
- nbgrader (hidden): grade(question, specs)      every test of the question; returns points (partial credit)
"""

from __future__ import annotations

import html
import inspect
import json
import os
import re
import sys
import textwrap
from pathlib import Path

from .cases import TestSpec, read_test_data
from .feedback import Report, fmt, totals
from .otter_credit import OtterTestFileScore, failure_text
from .runner import run_test


def _caller_globals() -> dict:
    return inspect.currentframe().f_back.f_back.f_globals


def _show(obj) -> None:
    """Display in Jupyter (HTML and text), print elsewhere; never to stderr (it would zero an nbgrader cell)."""
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(obj)
            return
    except ImportError:
        pass
    print(repr(obj))


def _test_spec(test_id: str, test_file: str) -> TestSpec:
    """The test `question.name` from the data file beside the otter test file that asks for it."""
    question, name = test_id.split(".", 1)
    path = Path(test_file).parent / f"{question}.json"
    tests = read_test_data(path)
    if name not in tests:
        raise LookupError(f"{path} has no test {name!r} (it has {', '.join(tests)}): regenerate the release")
    return tests[name]


def run_otter_test(env: dict, test_id: str) -> None:
    """One otter test case: run the test, raise AssertionError('[question.test] message') when it fails.

    A failed test that earned a share of its points says so first ('[question.test] partial credit, X of Y
    points: message'), and otter scores its question as the library does (otter_credit.py)."""
    test_file = inspect.currentframe().f_back.f_code.co_filename
    result = run_test(_test_spec(test_id, test_file), env)
    running = OtterTestFileScore.running()
    if running is not None:
        running.record(result.passed, result.score)
    if not result.passed:
        raise AssertionError(failure_text(result.id, result.score, result.points, result.message))


class Points(float):
    """A score shown as a bare number, which nbgrader reads as the cell's partial credit."""

    def __repr__(self) -> str:
        return fmt(float(self))


def _course_message(otter_message: str) -> str:
    """The course's own message from otter's failure text, without its 'Error at line N' header and code line."""
    lines = (otter_message or "").splitlines()
    if lines and lines[0].startswith("❌"):
        lines = lines[1:]
    if lines and lines[0].startswith("Error at line "):
        lines = lines[1:]
        while lines and lines[0].startswith("  "):
            lines = lines[1:]
    text = "\n".join(lines).strip()
    return text.removeprefix("AssertionError: ")


class CheckOutput:
    """What a check cell shows: the course's message first (points, then each failing test's diagnosis)."""

    def __init__(self, question: str, earned: float, possible: float, failures: list[str]):
        self.question, self.earned, self.possible, self.failures = question, earned, possible, failures

    def headline(self) -> str:
        return (f"{self.question}: public checks give {fmt(self.earned)} of {fmt(self.possible)} points; "
                "hidden checks run when your notebook is graded.")

    def text(self) -> str:
        return "\n".join([self.headline()] + [f"  - {message}" for message in self.failures])

    def wrapped(self, width: int = 100) -> str:
        """The text with long lines wrapped (nbgrader's Validate dialog does not wrap them)."""
        return "\n".join(textwrap.fill(line, width, subsequent_indent="    ", break_on_hyphens=False)
                         for line in self.text().splitlines())

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(message)}</li>" for message in self.failures)
        return (f"<div class='course-check'><p><b>{html.escape(self.headline())}</b></p>"
                + (f"<ul>{items}</ul>" if items else "") + "</div>")

    def __repr__(self) -> str:
        return self.text()


class OtterBlock:
    """otter's per-test block after the course's message: which test failed, not the message again."""

    def __init__(self, result):
        for case in getattr(result, "test_case_results", []):
            if not case.passed:
                test_id = re.match(r"\[[\w.]+\]", _course_message(case.message))
                case.message = "❌ Test case failed" + (f": {test_id.group(0)} (message above)" if test_id else
                                                        "\n" + _course_message(case.message))
        self.result = result

    def _repr_html_(self) -> str:
        return self.result._repr_html_()

    def __repr__(self) -> str:
        return repr(self.result)


class PublicChecks:
    """check(question): run a question's public tests with otter, show the course's message, then otter's block.

    In Jupyter the cell has no Out[n]. Under nbgrader (NBGRADER_EXECUTION is set) it returns the points, the
    number nbgrader reads as the cell's partial credit, and while nbgrader validates a notebook a failing check
    also writes its message to stderr, which Validate prints (the cell has failed either way).
    """

    def __init__(self, grader, points: dict[str, float]):
        self.grader, self.points = grader, points

    def __call__(self, question: str) -> Points | None:
        result = self.grader.check(question, _caller_globals())
        fraction = float(getattr(result, "grade", 0.0) or 0.0)
        earned = Points(round(fraction * self.points[question], 6))
        failures = [_course_message(case.message) for case in getattr(result, "test_case_results", [])
                    if not case.passed]
        output = CheckOutput(question, earned, self.points[question], failures)
        _show(output)
        _show(OtterBlock(result))
        if os.environ.get("NBGRADER_VALIDATING") and earned < self.points[question]:
            print(output.wrapped(), file=sys.stderr)
        return earned if os.environ.get("NBGRADER_EXECUTION") else None


def grade(question: str, specs: list[dict] | str) -> Points:
    """Run every test of a question (public and hidden) in the caller's namespace; show the results; return points.

    specs: the test specifications, or the JSON text of them (what nbgrader's hidden cells hold)."""
    if isinstance(specs, str):
        specs = json.loads(specs)
    env = _caller_globals()
    results = [run_test(TestSpec.from_dict(spec), env) for spec in specs]
    score, possible = totals(results)
    _show(Report(results, title=f"{question}: {fmt(score)} / {fmt(possible)} points"))
    return Points(min(score, possible))
