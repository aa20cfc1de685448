"""Discovery of every submission layout an instructor receives (built from the bundled samples), and the guard
that keeps another assignment's notebook from being graded as this one."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.grading.belonging import WRONG_ASSIGNMENT, AssignmentGuard, GuardedEngine
from autograder.grading.discovery import LAYOUTS, discover_class, parse_lms_name
from autograder.grading.gradebook import fmt
from autograder.grading.submissions import NoSubmissionsError

NOTEBOOK = "a1_conv_forward.ipynb"


@pytest.fixture
def samples(sample_notebooks) -> list[Path]:
    return sorted(sample_notebooks["a1"].glob("*.ipynb"))[:4]


def students(discovery) -> list[str]:
    return sorted(s.student for s in discovery.submissions)


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder.parent))
    return target


def test_flat_notebooks(samples, tmp_path):
    for p in samples:
        shutil.copy(p, tmp_path / p.name)
    found = discover_class(tmp_path, "a1", NOTEBOOK)
    assert found.layout == "flat notebooks"
    assert students(found) == sorted(p.stem for p in samples)
    assert all(not s.problem and s.content_hash for s in found.submissions)


def test_nbgrader_submitted_layout(samples, tmp_path):
    for p in samples:
        target = tmp_path / "submitted" / p.stem / "a1"
        target.mkdir(parents=True)
        shutil.copy(p, target / NOTEBOOK)
    for root in (tmp_path, tmp_path / "submitted"):
        found = discover_class(root, "a1", NOTEBOOK)
        assert found.layout == "nbgrader submitted/"
        assert students(found) == sorted(p.stem for p in samples)


def test_one_folder_per_student_takes_the_assignment_notebook(samples, tmp_path):
    for p in samples:
        (tmp_path / p.stem).mkdir()
        shutil.copy(p, tmp_path / p.stem / "my work.ipynb")
    both = tmp_path / samples[0].stem
    shutil.copy(samples[1], both / NOTEBOOK)
    found = discover_class(tmp_path, "a1", NOTEBOOK)
    assert found.layout == "one folder per student"
    assert students(found) == sorted(p.stem for p in samples)
    chosen = next(s for s in found.submissions if s.student == samples[0].stem)
    assert chosen.path.name == NOTEBOOK and any("graded a1_conv_forward.ipynb of 2" in n for n in found.notes)


def test_gradescope_export_ids_names_and_the_latest_of_two(samples, tmp_path):
    metadata = {}
    for number, p in enumerate(samples[:3], start=1):
        (tmp_path / f"submission_{number}").mkdir()
        shutil.copy(p, tmp_path / f"submission_{number}" / NOTEBOOK)
        metadata[f"submission_{number}"] = {":submitters": [{":name": f"Student {number}", ":sid": f"s{number}",
                                                              ":email": f"s{number}@uni.edu"}],
                                            ":created_at": f"2026-01-0{number} 10:00:00.000000000 -08:00"}
    metadata["submission_3"][":submitters"][0][":sid"] = "s1"  # s1 submitted again, later
    import yaml
    (tmp_path / "submission_metadata.yml").write_text(yaml.safe_dump(metadata))
    found = discover_class(tmp_path, "a1", NOTEBOOK)
    assert found.layout == "Gradescope export"
    assert students(found) == ["s1", "s2"]
    s1 = next(s for s in found.submissions if s.student == "s1")
    assert s1.path.parent.name == "submission_3" and s1.name == "Student 3" and s1.lms["email"] == "s3@uni.edu"
    assert any("s1: 2 submissions; graded the latest" in n for n in found.notes)


def test_canvas_download_ids_late_marker_and_resubmission(samples, tmp_path):
    names = ["smithalice_1000_50000_a1_conv_forward.ipynb", "smithalice_1000_50007_a1_conv_forward-1.ipynb",
             "jonesbob_LATE_1001_50001_a1_conv_forward.ipynb"]
    for name, p in zip(names, samples):
        shutil.copy(p, tmp_path / name)
    found = discover_class(tmp_path, "a1", NOTEBOOK)
    assert found.layout == "Canvas download"
    assert students(found) == ["jonesbob", "smithalice"]
    alice = next(s for s in found.submissions if s.student == "smithalice")
    assert alice.path.name == names[1] and alice.lms["canvas_user_id"] == "1000"
    bob = next(s for s in found.submissions if s.student == "jonesbob")
    assert bob.lms["late"] == "yes" and bob.lms["canvas_user_id"] == "1001"
    assert all(".ipynb" not in s.student for s in found.submissions)


def test_moodle_folders_and_blackboard_attempts(samples, tmp_path):
    moodle = tmp_path / "moodle"
    for number, p in enumerate(samples[:2]):
        folder = moodle / f"Alice Smith{number}_1234{number}_assignsubmission_file_"
        folder.mkdir(parents=True)
        shutil.copy(p, folder / NOTEBOOK)
    found = discover_class(moodle, "a1", NOTEBOOK)
    assert found.layout == "Moodle download"
    assert {s.name for s in found.submissions} == {"Alice Smith0", "Alice Smith1"}
    assert {s.lms["moodle_participant_id"] for s in found.submissions} == {"12340", "12341"}

    blackboard = tmp_path / "bb"
    blackboard.mkdir()
    shutil.copy(samples[0], blackboard / "A1_alice_attempt_2026-02-01-10-00-00_a1.ipynb")
    shutil.copy(samples[1], blackboard / "A1_alice_attempt_2026-02-03-09-00-00_a1.ipynb")
    found = discover_class(blackboard, "a1", NOTEBOOK)
    assert found.layout == "Blackboard download" and students(found) == ["alice"]
    assert "2026-02-03" in found.submissions[0].path.name


def test_a_class_zip_is_inflated_and_discovered(samples, tmp_path):
    folder = tmp_path / "download"
    folder.mkdir()
    for number, p in enumerate(samples):
        shutil.copy(p, folder / f"student{number}_{1000 + number}_{5000 + number}_{NOTEBOOK}")
    archive = zip_folder(folder, tmp_path / "class.zip")
    found = discover_class(archive, "a1", NOTEBOOK, staging=tmp_path / "out" / "inbox")
    assert found.layout == "zip of Canvas download"
    assert students(found) == [f"student{n}" for n in range(len(samples))]
    assert all((tmp_path / "out" / "inbox") in s.path.parents for s in found.submissions)


def test_a_zip_member_escaping_the_folder_is_not_inflated(samples, tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(samples[0], "a.ipynb")
        z.write(samples[1], "b.ipynb")
        z.write(samples[2], "../escape.ipynb")
    found = discover_class(archive, "a1", NOTEBOOK, staging=tmp_path / "inbox")
    assert students(found) == ["a", "b"] and not (tmp_path / "escape.ipynb").exists()


def test_one_notebook_and_one_otter_zip(samples, tmp_path):
    found = discover_class(samples[0], "a1", NOTEBOOK)
    assert found.layout == "one notebook" and students(found) == [samples[0].stem]
    one = tmp_path / "export.zip"
    with zipfile.ZipFile(one, "w") as z:
        z.write(samples[0], NOTEBOOK)
    found = discover_class(one, "a1", NOTEBOOK)
    assert students(found) == ["export"]


def test_zero_submissions_is_an_error_that_says_what_was_found(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoSubmissionsError) as caught:
        discover_class(tmp_path, "a1", NOTEBOOK)
    message = str(caught.value)
    assert "1 .txt file" in message and "1 folder" in message
    assert all(layout in message for layout in LAYOUTS)


def test_lms_names_are_parsed_without_the_suffix():
    assert parse_lms_name("smithalice_1000_50000_a1_conv_forward.ipynb").student == "smithalice"
    assert parse_lms_name("Alice Smith_12345_assignsubmission_file_a1.ipynb").student == "Alice Smith_12345"
    assert parse_lms_name("alice.ipynb") is None


# ---- another assignment's notebook ----

@pytest.fixture
def guard(course):
    return AssignmentGuard.for_course(course, "a1")


class RecordingEngine:
    name, isolation = "recording", "none"

    def __init__(self):
        self.graded = []

    def grade(self, submission):
        from autograder.grading.results import SubmissionResult

        self.graded.append(submission.student)
        return SubmissionResult(assignment="a1", student=submission.student, file=submission.file,
                                content_hash=submission.content_hash, engine=self.name, status="graded")


def test_an_a2_notebook_is_not_graded_as_a1_and_the_message_names_a2(guard, sample_notebooks, tmp_path):
    a2 = sorted(sample_notebooks["a2"].glob("*.ipynb"))[0]
    shutil.copy(a2, tmp_path / "bob.ipynb")
    engine = RecordingEngine()
    result = GuardedEngine(engine, guard).grade(discover_class(tmp_path, "a1", NOTEBOOK).submissions[0])
    assert result.status == WRONG_ASSIGNMENT and "belongs to assignment a2" in result.message
    assert engine.graded == [] and not result.graded


def test_a2_without_otter_metadata_is_still_told_by_its_check_cells(guard, sample_notebooks, tmp_path):
    nb = nbformat.read(sorted(sample_notebooks["a2"].glob("*.ipynb"))[0], as_version=4)
    del nb.metadata["otter"]
    assert guard.verdict(nb).belongs_to == "a2"


def test_stripped_metadata_is_graded_with_a_warning(guard, samples, tmp_path):
    nb = nbformat.read(samples[0], as_version=4)
    del nb.metadata["otter"]
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    nbformat.write(nb, tmp_path / "carol.ipynb")
    engine = RecordingEngine()
    result = GuardedEngine(engine, guard).grade(discover_class(tmp_path, "a1", NOTEBOOK).submissions[0])
    assert engine.graded == ["carol"] and result.status == "graded"
    assert "no assignment metadata" in result.notes[0]


def test_the_own_assignment_passes_the_guard(guard, samples):
    assert not guard.verdict(nbformat.read(samples[0], as_version=4)).wrong("a1")


def test_a_class_of_one_in_nbgrader_or_folder_layouts_is_not_mistaken_for_a_wrapper(samples, tmp_path):
    target = tmp_path / "nb" / "submitted" / "alice" / "a1"
    target.mkdir(parents=True)
    shutil.copy(samples[0], target / NOTEBOOK)
    assert students(discover_class(tmp_path / "nb", "a1", NOTEBOOK)) == ["alice"]
    (tmp_path / "one" / "bob").mkdir(parents=True)
    shutil.copy(samples[0], tmp_path / "one" / "bob" / "work.ipynb")
    assert students(discover_class(tmp_path / "one", "a1", NOTEBOOK)) == ["bob"]


# ---- course grade on what an instructor receives ----

def test_course_grade_on_a_class_zip_with_another_assignments_notebook(sample_notebooks, tmp_path):
    """The layout is printed, each student gets a row named by the Canvas id, the a2 notebook is not graded as a1,
    the class report and the Canvas CSV are written; an empty folder exits 4; one notebook is graded alone."""
    from click.testing import CliRunner

    from autograder.cli import EXIT_NO_SUBMISSIONS, EXIT_NOT_GRADED, main

    by_name = {p.stem: p for p in sample_notebooks["a1"].glob("*.ipynb")}
    download = tmp_path / "download"
    download.mkdir()
    shutil.copy(by_name["reference"], download / f"smithalice_1000_50000_{NOTEBOOK}")
    shutil.copy(by_name["kernel_flipped"], download / f"jonesbob_1001_50001_{NOTEBOOK}")
    shutil.copy(sorted(sample_notebooks["a2"].glob("*.ipynb"))[0], download / "leecarol_1002_50002_a2.ipynb")
    archive = zip_folder(download, tmp_path / "class.zip")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", "a1", str(archive), "--out", str(out), "--format", "canvas",
                                       "--lms-assignment-id", "77", "-j", "2"])
    assert result.exit_code == EXIT_NOT_GRADED, result.output
    assert "layout: zip of Canvas download; 3 submissions" in result.output
    report = json.loads((out / "report.json").read_text())
    assert report["scores"] == {"jonesbob": pytest.approx(report["scores"]["jonesbob"]), "smithalice": 18.0}
    assert report["not_graded"][0]["status"] == WRONG_ASSIGNMENT and "a2" in report["not_graded"][0]["reason"]
    assert "kernel flipped" in [m["mistake"] for m in report["mistakes"]]
    canvas = list(csv.reader((out / "grades_canvas.csv").open()))
    assert canvas[0][-1].endswith("(77)")
    assert [row[:2] + row[-1:] for row in canvas[1:]] == [["jonesbob", "1001", fmt(report["scores"]["jonesbob"])],
                                                          ["leecarol", "1002", ""], ["smithalice", "1000", "18"]]

    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["grade", "a1", str(empty), "--out", str(tmp_path / "o2")])
    assert result.exit_code == EXIT_NO_SUBMISSIONS and "Recognised layouts" in result.output

    result = CliRunner().invoke(main, ["grade", "a1", str(by_name["reference"]), "--out", str(tmp_path / "o3")])
    assert result.exit_code == 0, result.output
    assert "layout: one notebook; 1 submission" in result.output
    assert (tmp_path / "o3" / "feedback" / "reference.txt").is_file()


# ---- course nbgrader on nbgrader's own layout ----

@pytest.fixture(scope="module")
def a1_nbgrader_course(course, tmp_path_factory):
    """An nbgrader course with a1 released into it (a1 only: cheaper than every assignment)."""
    from autograder.release.pipelines import build

    root = tmp_path_factory.mktemp("a1-course")
    return build(course, "a1", release_root=root / "assignments", build_root=root / "build")


def a1_samples(built_a1, masters, folder: Path) -> dict[str, Path]:
    """The bundled a1 samples, made from this build's release."""
    from autograder import samples as sample_defs
    from autograder.release.pipelines import load_release

    release_nb = load_release("a1", NOTEBOOK, release_root=built_a1.release_dir.parent)
    folder.mkdir()
    paths = {}
    for sample in sample_defs.load_samples("a1"):
        paths[sample.name] = folder / f"{sample.name}.ipynb"
        paths[sample.name].write_text(sample_defs.notebook(sample, masters["a1"], release_nb))
    return paths


@pytest.mark.integration
def test_nbgrader_on_its_own_submitted_layout_grades_new_students_and_leaves_old_ones(a1_nbgrader_course, masters,
                                                                                      tmp_path):
    """Students graded in an earlier run are left untouched; a new student placed in submitted/ is graded; the
    export lists only assignments that were graded."""
    import csv as csv_module

    from autograder.grading.nbgrader_runner import grade_with_nbgrader

    course_dir = tmp_path / "build" / "nbgrader"   # the build moved elsewhere: its relative paths still hold
    shutil.copytree(a1_nbgrader_course.nbgrader_root, course_dir)
    config = (course_dir / "nbgrader_config.py").read_text()
    assert str(a1_nbgrader_course.nbgrader_root.parent) not in config  # relative paths: the course folder can move
    by_name = a1_samples(a1_nbgrader_course, masters, tmp_path / "samples")
    first = tmp_path / "first"
    for student in ("reference", "untouched"):
        (first / student / "a1").mkdir(parents=True)
        shutil.copy(by_name[student], first / student / "a1" / NOTEBOOK)
    state = tmp_path / "nbgrader-course"          # nbgrader's course state, apart from the generated course
    report = grade_with_nbgrader(course_dir, "a1", NOTEBOOK, first, tmp_path / "out", state)
    assert set(report.scores) == {"reference", "untouched"}
    autograded = state / "autograded" / "reference" / "a1" / NOTEBOOK
    stamp = autograded.stat().st_mtime_ns
    assert not any((course_dir / name).exists() for name in ("submitted", "autograded", "feedback"))
    assert str(tmp_path) not in (state / "nbgrader_config.py").read_text()   # relative paths here too

    shutil.rmtree(course_dir)                          # `course release` regenerates the course: grades stay
    shutil.copytree(a1_nbgrader_course.nbgrader_root, course_dir)
    new = state / "submitted" / "kernel_flipped" / "a1"
    new.mkdir(parents=True)
    shutil.copy(by_name["kernel_flipped"], new / NOTEBOOK)
    report = grade_with_nbgrader(course_dir, "a1", NOTEBOOK, state / "submitted", tmp_path / "out", state)
    assert set(report.scores) == {"reference", "untouched", "kernel_flipped"}
    assert 0 < report.scores["kernel_flipped"] < report.scores["reference"]
    assert autograded.stat().st_mtime_ns == stamp   # the earlier student was not graded again
    assert (state / "submitted" / "reference" / "a1" / NOTEBOOK).is_file()
    with report.grades_csv.open() as f:
        assert {row["assignment"] for row in csv_module.DictReader(f)} == {"a1"}

    from autograder.grading.nbgrader_runner import _nbgrader

    course_dir = state                                 # nbgrader's own commands run in the state folder
    log = _nbgrader(["autograde", "a1", "--student", "reference", "--force"], course_dir)
    assert "Autograding" in log and "has changed" not in log   # no false alarm for the cleared hidden tests
    edited = nbformat.read(by_name["reference"], as_version=4)
    check = next(c for c in edited.cells if c.metadata.get("nbgrader", {}).get("grade"))
    check.source += "\nprint('my own line')"
    nbformat.write(edited, course_dir / "submitted" / "reference" / "a1" / NOTEBOOK)
    log = _nbgrader(["autograde", "a1", "--student", "reference", "--force"], course_dir)
    assert "'checksum' for cell" in log and "has changed" in log   # a real edit of a locked cell still warns


@pytest.mark.integration
def test_nbgrader_state_left_in_the_generated_course_by_an_older_version_is_moved_out(a1_nbgrader_course, masters,
                                                                                      tmp_path):
    from autograder.grading.nbgrader_runner import NbgraderGradingError, grade_with_nbgrader

    course_dir = tmp_path / "build" / "nbgrader"
    shutil.copytree(a1_nbgrader_course.nbgrader_root, course_dir)
    by_name = a1_samples(a1_nbgrader_course, masters, tmp_path / "samples")
    old = course_dir / "submitted" / "reference" / "a1"
    old.mkdir(parents=True)
    shutil.copy(by_name["reference"], old / NOTEBOOK)
    with pytest.raises(NbgraderGradingError, match="must not be inside the generated course"):
        grade_with_nbgrader(course_dir, "a1", NOTEBOOK, tmp_path / "samples", tmp_path / "out", course_dir / "state")
    state = tmp_path / "nbgrader-course"
    report = grade_with_nbgrader(course_dir, "a1", NOTEBOOK, state / "submitted", tmp_path / "out", state)
    assert report.moved[:1] == ["submitted"] and not (course_dir / "submitted").exists()
    assert report.scores == {"reference": masters["a1"].assignment.points}
