"""What notebook test cells call: the only code generated tests contain is a call into this module.

- otter test files:  run_otter_test(env, "question.test")  reads the test from tests/<question>.json beside the
                     test file; raises AssertionError with a student-facing message
- the release:       check(question)             public tests through otter's grader.check; returns points
- nbgrader (hidden): grade(question, specs)      every test of the question; returns points (partial credit)
"""

from __future__ import annotations

import inspect
from pathlib import Path

from .cases import TestSpec, read_test_data
from .feedback import Report, fmt, totals
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
    """One otter test case: run the test, raise AssertionError('[question.test] message') when it fails."""
    test_file = inspect.currentframe().f_back.f_code.co_filename
    result = run_test(_test_spec(test_id, test_file), env)
    if not result.passed:
        raise AssertionError(f"[{result.id}] {result.message}")


class Points(float):
    """A score shown as a bare number, which nbgrader reads as the cell's partial credit."""

    def __repr__(self) -> str:
        return fmt(float(self))


class PublicChecks:
    """check(question): run a question's public tests with otter and return the points they are worth.

    All public tests passing returns the question's full points (nbgrader's Validate then passes the cell);
    hidden tests run only when the notebook is graded.
    """

    def __init__(self, grader, points: dict[str, float]):
        self.grader, self.points = grader, points

    def __call__(self, question: str) -> Points:
        result = self.grader.check(question, _caller_globals())
        _show(result)
        fraction = float(getattr(result, "grade", 0.0) or 0.0)
        earned = Points(round(fraction * self.points[question], 6))
        print(f"{question}: public checks give {fmt(earned)} of {fmt(self.points[question])} points; "
              "hidden checks run when your notebook is graded.")
        return earned


def grade(question: str, specs: list[dict]) -> Points:
    """Run every test of a question (public and hidden) in the caller's namespace; show the results; return points."""
    env = _caller_globals()
    results = [run_test(TestSpec.from_dict(spec), env) for spec in specs]
    score, possible = totals(results)
    _show(Report(results, title=f"{question}: {fmt(score)} / {fmt(possible)} points"))
    return Points(min(score, possible))
