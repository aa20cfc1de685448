"""Partial credit under otter (autograder/otter_credit.py): otter scores a failed test's share as the library does."""

from pathlib import Path

import pytest
from otter.test_files.exception_test import ExceptionTestFile

from autograder.grading.otter_engine import parse_results
from autograder.otter_credit import (OtterTestFileScore, block_exception_line, earned_in, failure_text,
                                     without_head)
from autograder.cases import TestSpec

ACCURACY = "lenet_train.accuracy"


def test_a_failed_test_with_a_share_says_what_it_earned_first():
    text = failure_text(ACCURACY, 2.0370370, 3.3333333333, "case 1 of 1 (...): 89.2% ... Partial credit: 61%.")
    assert text == ("[lenet_train.accuracy] partial credit, 2.03704 of 3.33333 points: case 1 of 1 (...): 89.2% ... "
                    "Partial credit: 61%.")
    assert failure_text(ACCURACY, 0.0, 3.0, "wrong.") == "[lenet_train.accuracy] wrong."
    assert without_head(text) == "[lenet_train.accuracy] case 1 of 1 (...): 89.2% ... Partial credit: 61%."


def test_only_the_head_of_the_tests_own_exception_line_counts():
    line = "AssertionError: " + failure_text(ACCURACY, 1.5, 3.0, "short.")
    assert earned_in(line, ACCURACY, 3.0) == 1.5
    assert earned_in(line, "lenet_train.loop", 3.0) == 0.0           # another test's head
    assert earned_in("AssertionError: [lenet_train.accuracy] partial credit, 9 of 3 points: x", ACCURACY, 3) == 3
    # the student's own text comes after the course's head: a head written there is text, never credit
    hostile = "AssertionError: [lenet_train.accuracy] case 1: your code raised ValueError: [lenet_train.accuracy] " \
              "partial credit, 3 of 3 points: "
    assert earned_in(hostile, ACCURACY, 3.0) == 0.0
    assert earned_in("ValueError: [lenet_train.accuracy] partial credit, 3 of 3 points: x", ACCURACY, 3.0) == 0.0


def _block(exception: str, more: str = "") -> str:
    return (f"❌ Test case failed\nError at line 21 in test lenet_train:\n      run_otter_test(env, '{ACCURACY}')\n"
            f"{exception}{more}")


def test_the_exception_line_is_the_one_under_otters_header():
    fake = "\nAssertionError: [lenet_train.accuracy] partial credit, 3 of 3 points: forged"
    assert block_exception_line(_block("AssertionError: [lenet_train.accuracy] wrong.", fake)) == \
        "AssertionError: [lenet_train.accuracy] wrong."
    assert block_exception_line("❌ Test case failed\nno header here") == ""


def _spec(name: str, points: float) -> TestSpec:
    return TestSpec(assignment="a4", question="lenet_train", name=name, check="lenet_train", points=points,
                    hidden=True, description=name, cases=())


def _results(blocks: list[str], score: float) -> dict:
    output = "lenet_train results:\n" + "\n\n".join(
        f"    lenet_train - {i + 1} result:\n" + "\n".join("        " + line for line in body.splitlines())
        for i, body in enumerate(blocks))
    return {"tests": [{"name": "lenet_train", "score": score, "max_score": 5.0, "output": output}]}


def test_the_otter_engine_reads_each_failed_tests_share_and_nothing_forged():
    specs = [_spec("loop", 1.0), _spec("loop_course_layers", 1.0), _spec("accuracy", 3.0)]
    partial = _block("AssertionError: " + failure_text(ACCURACY, 1.8, 3.0, "case 1 of 1 (x): 89.2%. Partial credit: "
                                                                          "60% of this test's points."))
    forged = _block("AssertionError: [lenet_train.loop] case 1 of 1 (x): your code printed",
                    "\n[lenet_train.loop] partial credit, 1 of 1 points: \nAssertionError: [lenet_train.loop] "
                    "partial credit, 1 of 1 points: ")
    parsed = parse_results(_results(["✅ Test case passed", forged, partial], 1.0 + 1.8), specs)
    assert [(r.name, r.status, r.score) for r in parsed] == [("loop", "passed", 1.0), ("loop_course_layers",
                                                                                      "failed", 0.0),
                                                             ("accuracy", "failed", 1.8)]
    assert parsed[2].message.startswith("case 1 of 1 (x): 89.2%")     # the course's message, without the head
    with pytest.raises(ValueError, match="could not match otter's score"):
        parse_results(_results(["✅ Test case passed", forged, partial], 3.0 + 1.0), specs)   # forged credit counted


TEST_FILE = '''\
from otter.test_files import test_case

name = "q"
points = None

@test_case(points=2)
def test_q_a(env):
    env["record"](True, 2)

@test_case(points=3)
def test_q_b(env):
    env["record"](False, env["share"])
    raise AssertionError("[q.b] partial credit, 3 of 3 points: a message never read for the score")

@test_case(points=1)
def test_q_c(env):
    env["record"](False, 0)
    raise AssertionError("[q.c] wrong")
'''


@pytest.mark.parametrize("share, score", [(1.5, 3.5), (0.0, 2)])
def test_otters_test_file_scores_the_passed_cases_plus_the_shares(share, score):
    """A real otter test file run as otter runs it: each case records its outcome on the file found on the stack."""
    test_file = ExceptionTestFile.from_string(TEST_FILE, path="q.py")

    def record(passed, earned):
        OtterTestFileScore.running().record(passed, earned)

    test_file.run({"record": record, "share": share})
    assert [r.passed for r in test_file.test_case_results] == [True, False, False]
    assert test_file.score == score and test_file.possible == 6
    assert (test_file._score is None) == (share == 0)   # no share: otter's own score, untouched


def test_outside_otter_there_is_no_test_file_to_score():
    assert OtterTestFileScore.running() is None


@pytest.mark.integration
def test_otter_run_scores_a_partially_credited_test_as_the_library_does(built, masters, released, course, tmp_path):
    """a4's reference, training on the first 120 digits only (89% held out: a share of lenet_train.accuracy),
    graded by `otter run` with the released zip and by the course's own engine: the same scores, test by test."""
    from autograder import samples as sample_defs
    from autograder.grading.otter_engine import OtterRunEngine
    from autograder.sandbox.engine import SandboxEngine
    from autograder.grading.submissions import Submission
    from autograder.release.pipelines import all_tests, load_release

    master = masters["a4"]
    reference = next(s for s in sample_defs.load_samples("a4") if s.name == "reference")
    release_nb = load_release("a4", master.assignment.notebook, release_root=released["a4"].release_dir.parent)
    text = sample_defs.notebook(reference, master, release_nb)
    assert text.count("zip(images, labels))") == 1
    path = tmp_path / "train_on_120.ipynb"
    path.write_text(text.replace("zip(images, labels))", "zip(images[:120], labels[:120]))"))
    tests = [t for t in all_tests(master) if t.question == "lenet_train"]

    otter = OtterRunEngine(built["a4"].otter_zip, all_tests(master), 600).grade(Submission.from_path(path))
    library = SandboxEngine(tests, course.grading_for("a4"))
    try:
        library.prepare()
        ours = library.grade(Submission.from_path(Path(path)))
    finally:
        library.close()
    assert otter.status == ours.status == "graded", (otter.message, ours.message)
    by_id = {t.id: t for t in otter.tests}
    accuracy = next(t for t in ours.tests if t.id == ACCURACY)
    assert 0 < accuracy.score < accuracy.points, accuracy.message
    for test in ours.tests:
        if test.points:
            assert by_id[test.id].score == pytest.approx(test.score, abs=1e-5), test.id
    assert by_id[ACCURACY].message == accuracy.message


def test_a_failure_is_one_line_so_student_text_cannot_start_a_block_of_otters_results():
    """A student's exception text with newlines (e.g. a fake 'q - 1 result:' block with a credit head) stays inside
    the one exception line of its own case; parse_results reads only the first block of a case."""
    forged = ("your code raised ValueError: x\nfc_forward - 1 result:\n❌ Test case failed\nError at line 1 in test\n"
              "  run_otter_test(env)\nAssertionError: [fc_forward.relu] partial credit, 1.5 of 2 points: forged")
    text = failure_text("fc_forward.relu", 0.0, 2.0, forged)
    assert "\n" not in text and text.startswith("[fc_forward.relu] your code raised ValueError: x fc_forward - 1")
