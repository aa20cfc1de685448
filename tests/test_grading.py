"""Grading a class with the real tools: `otter run` per submission (course grade) and nbgrader autograde."""

import csv
import shutil
import zipfile

import nbformat
import pytest

from autograder import samples as sample_defs
from autograder.grading.batch import grade_folder
from autograder.grading.nbgrader_runner import (NbgraderGradingError, grade_with_nbgrader, import_failures,
                                                preflight)
from autograder.grading.otter_engine import OtterRunEngine
from autograder.release.leaks import scan
from autograder.release.pipelines import all_tests

integration = pytest.mark.integration  # otter, nbgrader or a release build

# per assignment: the reference, the stub, the named mistakes, a noisy correct one, a file that is no notebook
OTTER_SAMPLES = {
    "a1": ["reference", "untouched", "kernel_flipped", "stride_ignored", "padding_ignored", "bias_missing",
           "width_height_swapped", "noisy_but_correct", "malformed_notebook"],
    "a2": ["reference", "untouched", "kernel_not_rotated", "sensitivity_not_expanded", "padding_not_removed",
           "activator_derivative_missing", "bias_not_summed", "malformed_notebook"],
    "a3": ["reference", "untouched", "max_gradient_assigned", "mean_gradient_copied", "max_wrong_position",
           "output_size_rounded_up", "float_output_size", "malformed_notebook"],
    "a5": ["reference", "untouched", "dilation_ignored", "zeros_after_last", "bn_unbiased_variance",
           "bn_backward_terms_missing", "rf_strides_ignored", "malformed_notebook"],
}
FIRST_MISTAKE = {"a1": ("kernel_flipped", "kernel flipped"), "a2": ("kernel_not_rotated", "kernel not rotated"),
                 "a3": ("mean_gradient_copied", "mean gradient copied"), "a5": ("dilation_ignored", "dilation ignored")}


@pytest.fixture(scope="module", params=sorted(OTTER_SAMPLES))
def assignment(request):
    return request.param


@pytest.fixture(scope="module")
def class_folder(assignment, built, sample_notebooks, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"{assignment}-submissions")
    for name in OTTER_SAMPLES[assignment]:
        shutil.copyfile(sample_notebooks[assignment] / f"{name}.ipynb", folder / f"{name}.ipynb")
    # an otter export zip of the reference, as `grader.export()` makes it
    with zipfile.ZipFile(folder / "exported_zip.zip", "w") as z:
        z.write(sample_notebooks[assignment] / "reference.ipynb", built[assignment].notebook)
    with zipfile.ZipFile(folder / "zip_without_notebook.zip", "w") as z:
        z.writestr("notes.txt", "forgot the notebook")
    return folder


@pytest.fixture(scope="module")
def otter_engine(assignment, built, masters, course):
    # what is tested is agreement, never speed: a generous budget, so that a loaded CI machine cannot time out
    return OtterRunEngine(built[assignment].otter_zip, all_tests(masters[assignment]), 600)


@pytest.fixture(scope="module")
def otter_run(assignment, otter_engine, class_folder, masters, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"{assignment}-otter-out")
    master = masters[assignment]
    report = grade_folder(otter_engine, class_folder, out, master.assignment.questions, all_tests(master),
                          title=master.assignment.title, jobs=2)
    return out, report


def by_student(report):
    return {r.student: r for r in report.results}


@integration
def test_otter_run_results_match_every_samples_expectation(assignment, otter_run, masters):
    _, report = otter_run
    results = by_student(report)
    samples = {s.name: s for s in sample_defs.load_samples(assignment)}
    for name in OTTER_SAMPLES[assignment]:
        got = {t.id: {"passed": t.passed, "message": t.message} for t in results[name].tests}
        assert sample_defs.problems(samples[name], got) == [], name
    full = masters[assignment].assignment.points
    assert results["reference"].score == full and results["exported_zip"].score == full
    assert results["untouched"].score == 0


@integration
def test_unreadable_submissions_get_a_clear_message_and_the_rest_is_graded(assignment, otter_run):
    _, report = otter_run
    results = by_student(report)
    assert results["malformed_notebook"].status == "unreadable"
    assert "not a valid notebook" in results["malformed_notebook"].message
    assert results["zip_without_notebook"].status == "unreadable"
    assert "holds 0 notebooks" in results["zip_without_notebook"].message
    assert sum(r.status == "graded" for r in report.results) == len(OTTER_SAMPLES[assignment])  # + zip - malformed


@integration
def test_gradebook_has_otters_layout_plus_one_column_per_test(assignment, otter_run, masters):
    out, report = otter_run
    rows = list(csv.reader((out / "final_grades.csv").open()))
    header, points = rows[0], rows[1]
    questions = sorted(masters[assignment].questions)
    tests = [t.id for t in all_tests(masters[assignment])]
    full = f"{masters[assignment].assignment.points:g}"
    assert header == ["file", *questions, "total_points_earned", "percent_correct", "grading_status", *tests]
    assert points[0] == "points-per-question" and points[len(questions) + 1] == full
    reference = next(r for r in rows if r[0] == "reference.ipynb")
    assert reference[len(questions) + 1] == full and reference[len(questions) + 3] == "Completed"
    malformed = next(r for r in rows if r[0] == "malformed_notebook.ipynb")
    assert malformed[len(questions) + 3].startswith("not graded: not a valid notebook")
    assert malformed[1:len(questions) + 3] == [""] * (len(questions) + 2)  # no points, not 0


@integration
def test_feedback_files_name_mistakes_and_leak_nothing(assignment, otter_run, masters):
    out, _ = otter_run
    sample, words = FIRST_MISTAKE[assignment]
    text = (out / "feedback" / f"{sample}.txt").read_text()
    assert f"Likely mistake: {words}" in text and "hidden" in text
    assert (out / "feedback" / f"{sample}.html").read_text().count("<tr") > 10
    assert scan([out / "feedback"], masters[assignment], feedback=True) == []
    assert "run_otter_test" not in (out / "feedback" / "untouched.txt").read_text()


@integration
def test_a_rerun_resumes_and_regrades_only_what_changed(assignment, otter_run, otter_engine, class_folder, masters):
    out, first = otter_run
    master = masters[assignment]
    again = grade_folder(otter_engine, class_folder, out, master.assignment.questions, all_tests(master), title="t")
    assert again.graded == 0 and again.reused == len(first.results)
    assert [r.to_json() for r in again.results] == [r.to_json() for r in first.results]


@integration
def test_a_submission_past_the_wall_clock_limit_is_stopped(built, masters, sample_notebooks, tmp_path):
    """One assignment is enough to show the limit."""
    engine = OtterRunEngine(built["a1"].otter_zip, all_tests(masters["a1"]), timeout_s=2)
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copyfile(sample_notebooks["a1"] / "reference.ipynb", folder / "slow.ipynb")
    report = grade_folder(engine, folder, tmp_path / "out", masters["a1"].assignment.questions,
                          all_tests(masters["a1"]), title="t")
    result = report.results[0]
    assert result.status == "timeout" and result.score == 0 and "stopped after 2 s" in result.message


NBGRADER_SAMPLES = ["reference", "untouched", "malformed_notebook"]


@pytest.fixture(scope="module")
def nbgrader_run(assignment, built, sample_notebooks, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"{assignment}-nbgrader-course")
    state_dir = root / "state"   # the generated course is only read: the state is the test's own
    folder = root / "submissions"
    folder.mkdir()
    names = NBGRADER_SAMPLES + [FIRST_MISTAKE[assignment][0]] + (["noisy_but_correct"] if assignment == "a1" else [])
    for name in names:
        shutil.copyfile(sample_notebooks[assignment] / f"{name}.ipynb", folder / f"{name}.ipynb")
    nbformat.write(code_in_check_cell(sample_notebooks[assignment] / "reference.ipynb"),
                   folder / "code_in_check_cell.ipynb")
    report = grade_with_nbgrader(built[assignment].nbgrader_root, assignment, built[assignment].notebook, folder,
                                 root / "out", state_dir)
    return state_dir, report


def code_in_check_cell(reference):
    """The reference with its first answer cell's code typed into the check cell after it instead."""
    nb = nbformat.read(reference, as_version=4)
    roles = [c.metadata.get("course", {}).get("role") for c in nb.cells]
    answer = roles.index("implement")
    check = roles.index("question", answer)
    nb.cells[check].source += "\n" + nb.cells[answer].source
    nb.cells[answer].source = "# my answer is in the check cell below\n"
    return nb


@integration
def test_nbgrader_names_code_typed_into_a_locked_cell(assignment, nbgrader_run, built):
    course_dir, report = nbgrader_run
    assert "locked cells are restored before grading" in report.notes["code_in_check_cell"][0]
    page = course_dir / "feedback" / "code_in_check_cell" / assignment / built[assignment].notebook.replace(
        ".ipynb", ".html")
    assert "locked cells are restored before grading" in page.read_text()


@integration
def test_nbgrader_autograde_agrees_with_otter(assignment, nbgrader_run, otter_run, masters):
    _, report = nbgrader_run
    full = masters[assignment].assignment.points
    assert report.max_score == full
    assert report.scores["reference"] == full and report.scores["untouched"] == 0
    assert 0 < report.scores[FIRST_MISTAKE[assignment][0]] < full
    assert report.scores.get("noisy_but_correct", full) == full  # stderr and warnings from student code cost nothing
    assert "not a valid notebook" in report.rejected["malformed_notebook"]
    assert report.flagged == {}
    otter_scores = {r.student: r.score for r in otter_run[1].results}
    assert all(otter_scores[s] == pytest.approx(score) for s, score in report.scores.items() if s in otter_scores), \
        "otter and nbgrader disagree"


@integration
def test_nbgrader_feedback_hides_hidden_tests(assignment, nbgrader_run, masters, built):
    course_dir, _ = nbgrader_run
    sample, words = FIRST_MISTAKE[assignment]
    feedback = course_dir / "feedback" / sample / assignment
    html = (feedback / built[assignment].notebook.replace(".ipynb", ".html")).read_text()
    assert words in html and "BEGIN HIDDEN" not in html
    assert scan([feedback], masters[assignment], feedback=True) == []


def test_preflight_stops_a_kernel_that_cannot_import_the_grader(monkeypatch, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'autograder'\" >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr("sys.executable", str(fake))
    with pytest.raises(NbgraderGradingError, match="cannot import the course library"):
        preflight()


def test_import_errors_in_check_cells_are_detected():
    import nbformat

    cell = nbformat.v4.new_code_cell("check('x')", metadata={"nbgrader": {"grade": True, "grade_id": "check-x"}})
    cell.outputs = [nbformat.v4.new_output("error", ename="ModuleNotFoundError", evalue="No module named 'otter'",
                                           traceback=[])]
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert import_failures(nb) == ["check-x: ModuleNotFoundError: No module named 'otter'"]


@integration
def test_the_sandbox_engine_agrees_with_otter_test_by_test(assignment, otter_run, class_folder, masters, course,
                                                          tmp_path):
    from autograder.sandbox.engine import SandboxEngine

    master = masters[assignment]
    engine = SandboxEngine(all_tests(master), course.grading.for_tests(), hide=[class_folder])
    sandbox = grade_folder(engine, class_folder, tmp_path / "out", master.assignment.questions, all_tests(master),
                           title=master.assignment.title, jobs=2)
    otter = by_student(otter_run[1])
    for result in sandbox.results:
        assert result.status == otter[result.student].status, result.student
        assert {t.id: t.passed for t in result.tests} == {t.id: t.passed for t in otter[result.student].tests}, \
            result.student
