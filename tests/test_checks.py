"""The checks, in-process (what otter and nbgrader run): the reference earns full marks, the stub zero with
"not implemented" everywhere, and every planted bug loses exactly the tests it should, naming the mistake.

A long test (one course.yml gives more than grading.test_timeout_s: training) runs on every sample in the
integration tier; the fast tier runs every other test on every sample."""

import dataclasses
import fnmatch

import numpy as np
import pytest
import yaml

from autograder import samples as sample_defs
from autograder.cases import CaseSpec, TestSpec
from autograder.config import load_course
from autograder.master import load_master
from autograder.runner import run_test

from .conftest import ASSIGNMENTS, REPO_ROOT, library_results

COURSE = load_course(REPO_ROOT / "course.yml")
SAMPLES = [(a, s) for a in ASSIGNMENTS for s in sample_defs.load_samples(a) if s.origin != "raw"]
LONG = [a.id for a in COURSE.assignments if any(t > COURSE.grading.test_timeout_s for t in a.test_timeouts_s.values())]
LONG_SAMPLES = [(a, s) for a, s in SAMPLES if a in LONG]
_RESULTS: dict = {}  # (assignment, sample, long) -> its results: each sample is graded once per session, not per test


def is_long(spec) -> bool:
    """A test that course.yml gives more time than the default (training)."""
    return float(spec.settings.get("test_timeout_s", 0)) > COURSE.grading.test_timeout_s


# a report worth no points (a4's own-layers training, up to 30 s) runs on these samples only: it cannot lose points,
# and its own tests are in test_a4.py
REPORT_SAMPLES = {"reference", "untouched", "student_loops"}


def sample_results(masters, assignment, sample, long: bool = False) -> dict:
    """The assignment's short tests (or its long ones) run in-process on the sample, once per session."""
    key = (assignment, sample.name, long)
    if key not in _RESULTS:
        _RESULTS[key] = library_results(masters[assignment], sample_defs.namespace(sample, masters[assignment]),
                                        select=lambda spec: is_long(spec) == long and (
                                            spec.points > 0 or sample.name in REPORT_SAMPLES))
    return _RESULTS[key]


def expected_within(sample, test_ids):
    """The sample's expectations about these tests only (a pattern that names none of them is left out)."""
    if not isinstance(sample.expect, dict):
        return sample
    names = lambda pattern: any(fnmatch.fnmatchcase(t, pattern) for t in test_ids)  # noqa: E731
    expect = {"lose": {p: m for p, m in sample.expect.get("lose", {}).items() if names(p)},
              "keep": [p for p in sample.expect.get("keep", []) if names(p)],
              "messages": {p: w for p, w in sample.expect.get("messages", {}).items() if names(p)}}
    return dataclasses.replace(sample, expect=expect)


def check_sample(masters, assignment, sample, long: bool) -> None:
    results = sample_results(masters, assignment, sample, long)
    assert sample_defs.problems(expected_within(sample, results), results) == []


def lost_by_planted_bugs(masters, assignment, long: bool) -> set[str]:
    """A check that no planted bug fails is a defect: the tests no bug sample loses (none, when all is well)."""
    lost = set()
    for sample in sample_defs.load_samples(assignment):
        if sample.origin in ("solution", "release", "raw") or sample.expect == "full":
            continue
        lost |= {t for t, r in sample_results(masters, assignment, sample, long).items() if not r["passed"]}
    every = {t.id for q in masters[assignment].questions.values() for t in q.tests  # a report has no points to lose
             if is_long(t) == long and t.points > 0}
    return every - lost


@pytest.mark.parametrize("assignment, sample", SAMPLES, ids=[f"{a}-{s.name}" for a, s in SAMPLES])
def test_sample_gets_its_expected_result(masters, assignment, sample):
    check_sample(masters, assignment, sample, long=False)


@pytest.mark.integration
@pytest.mark.parametrize("assignment, sample", LONG_SAMPLES, ids=[f"{a}-{s.name}" for a, s in LONG_SAMPLES])
def test_sample_gets_its_expected_result_on_the_long_tests(masters, assignment, sample):
    check_sample(masters, assignment, sample, long=True)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_stub_says_not_implemented_everywhere(masters, assignment):
    release = next(s for s in sample_defs.load_samples(assignment) if s.origin == "release")
    results = {**sample_results(masters, assignment, release), **sample_results(masters, assignment, release, True)}
    assert all(r["score"] == 0 for r in results.values())
    assert [t for t, r in results.items() if "not implemented" not in r["message"]] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_can_be_failed_by_a_planted_bug(masters, assignment):
    assert lost_by_planted_bugs(masters, assignment, long=False) == set()


@pytest.mark.integration
@pytest.mark.parametrize("assignment", LONG)
def test_every_long_test_can_be_failed_by_a_planted_bug(masters, assignment):
    assert lost_by_planted_bugs(masters, assignment, long=True) == set()


def test_long_tests_are_the_ones_course_yml_gives_more_time(masters):
    """The fast tier leaves out exactly the tests with a longer limit; every other test runs there."""
    for assignment in ASSIGNMENTS:
        tests = [t for q in masters[assignment].questions.values() for t in q.tests]
        assert (assignment in LONG) == any(is_long(t) for t in tests)
        assert not all(is_long(t) for t in tests)


def conv_spec(**settings) -> TestSpec:
    case = CaseSpec(id="c", seed=1, params={"input_shape": [1, 4, 4], "filter_number": 1, "filter_shape": [2, 2],
                                            "stride": 1, "zero_padding": 0, "activator": "IdentityActivator"})
    return TestSpec(assignment="a1", question="conv_forward", name="t", check="conv_forward", points=1.0,
                    hidden=True, description="", cases=(case,), settings={"rtol": 1e-6, "atol": 1e-9, **settings})


def namespace_with_forward(solutions_namespace, forward):
    ns = dict(solutions_namespace)
    ns["ConvLayer"] = type("ConvLayer", (solutions_namespace["ConvLayer"],), {"forward": forward})
    return ns


def test_an_object_that_claims_equality_is_refused(solutions_namespace):
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    ns = namespace_with_forward(solutions_namespace, lambda self, x: AlwaysEqual())
    result = run_test(conv_spec(), ns)
    assert not result.passed and "returned" in result.message and "expected an array" in result.message


def test_a_lying_ndarray_subclass_is_judged_by_its_data(solutions_namespace):
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), dtype=bool)

        def __array_ufunc__(self, *args, **kwargs):
            return np.zeros(3)

    ns = namespace_with_forward(solutions_namespace, lambda self, x: np.zeros((1, 3, 3)).view(Liar))
    assert not run_test(conv_spec(), ns).passed


def test_an_endless_loop_times_out_and_the_test_fails(solutions_namespace):
    def forward(self, x):
        while True:
            try:
                pass
            except Exception:  # a student's catch-all cannot swallow the timeout
                pass

    result = run_test(conv_spec(test_timeout_s=0.5), namespace_with_forward(solutions_namespace, forward))
    assert result.status == "timeout" and "timed out after 0.5 s" in result.message


def test_a_test_runs_under_its_own_time_limit_from_course_yml(tmp_path, solutions_namespace):
    """course.yml's test_timeouts_s reaches the test's settings, and run_test stops the student's code there."""
    data = yaml.safe_load((REPO_ROOT / "course.yml").read_text())
    data["assignments"][0]["test_timeouts_s"] = {"conv_forward.small_relu": 0.5}
    (tmp_path / "course.yml").write_text(yaml.safe_dump(data))
    tests = {t.name: t for t in load_master(load_course(tmp_path / "course.yml"), "a1").questions["conv_forward"].tests}
    assert tests["strides"].settings["test_timeout_s"] == data["grading"]["test_timeout_s"]

    def forward(self, x):
        while True:
            pass

    result = run_test(tests["small_relu"], namespace_with_forward(solutions_namespace, forward))
    assert result.status == "timeout" and "timed out after 0.5 s" in result.message


def test_student_output_and_warnings_are_swallowed(solutions_namespace, capsys):
    import sys
    import warnings

    reference = solutions_namespace["ConvLayer"].forward

    def forward(self, x):
        print("debug print")
        print("to stderr", file=sys.stderr)
        warnings.warn("a student warning")
        return reference(self, x)

    assert run_test(conv_spec(), namespace_with_forward(solutions_namespace, forward)).passed
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_public_cases_carry_no_answer_to_numeric_questions(released):
    text = (released["a1"].release_dir / "tests" / "output_shape.json").read_text()
    assert "16, 13, 10" not in text and "[16, 13, 10]" not in text


def test_the_sandbox_stops_a_test_at_its_own_time_limit(tmp_path, masters, course):
    """A per-test limit from course.yml reaches the sandbox: the child is stopped at that limit, not the default."""
    import dataclasses

    import nbformat

    from autograder.grading.submissions import Submission
    from autograder.release.pipelines import load_release
    from autograder.sandbox.engine import SandboxEngine

    master = masters["a1"]
    reference = next(s for s in sample_defs.load_samples("a1") if s.origin == "solution")
    notebook = nbformat.reads(sample_defs.notebook(reference, master, load_release("a1", master.assignment.notebook)),
                              as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "class ConvLayer(ConvLayer):\n    def forward(self, input_array):\n        while True:\n            pass\n"))
    path = tmp_path / "loops.ipynb"
    path.write_text(nbformat.writes(notebook))
    test = next(t for t in master.questions["conv_forward"].tests if t.name == "small_relu")
    limited = dataclasses.replace(test, settings={**test.settings, "test_timeout_s": 1.0})  # what test_timeouts_s gives
    engine = SandboxEngine([limited], course.grading_for("a1"), hide=[tmp_path])
    try:
        result = engine.grade(Submission.from_path(path)).tests[0]
    finally:
        engine.close()
    assert result.status == "timeout" and "timed out after 1 s" in result.message
    assert result.duration_s < course.grading.test_timeout_s
