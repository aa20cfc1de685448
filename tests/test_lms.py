"""Grades for an LMS: Canvas, Moodle and plain CSVs with the identifiers the download carried, no pseudo-rows."""

from __future__ import annotations

import csv
import io
import shutil

import yaml

from autograder.grading.discovery import discover_class, write_roster
from autograder.grading.lms import CANVAS_HEADER, MOODLE_HEADER, LmsExport, load_roster
from autograder.grading.results import SubmissionResult
from autograder.runner import TestResult

NOTEBOOK = "a1_conv_forward.ipynb"


def scored(student, score, status="graded"):
    tests = [TestResult(assignment="a1", question="q", name="t", description="", hidden=False, points=18,
                        score=score, status="passed" if score == 18 else "failed", message="")]
    return SubmissionResult(assignment="a1", student=student, file=f"{student}.ipynb", content_hash="",
                            engine="sandbox", status=status, tests=tests if status == "graded" else [],
                            message="" if status == "graded" else "the file is empty")


def rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_canvas_csv_carries_the_canvas_ids_and_has_no_pseudo_rows(sample_notebooks, tmp_path):
    samples = sorted(sample_notebooks["a1"].glob("*.ipynb"))
    download = tmp_path / "download"
    download.mkdir()
    shutil.copy(samples[0], download / f"smithalice_1000_50000_{NOTEBOOK}")
    shutil.copy(samples[1], download / f"jonesbob_LATE_1001_50001_{NOTEBOOK}")
    write_roster(tmp_path, discover_class(download, "a1", NOTEBOOK))
    export = LmsExport([scored("smithalice", 16.5), scored("jonesbob", 0, status="unreadable")],
                       load_roster(tmp_path), 18, "A1 conv forward", "1234")
    table = rows(export.csv("canvas"))
    assert table[0] == [*CANVAS_HEADER, "A1 conv forward (1234)"]
    assert table[1:] == [["jonesbob", "1001", "", "", "", ""], ["smithalice", "1000", "", "", "", "16.5"]]
    assert export.write(tmp_path, "canvas").read_text() == export.csv("canvas")


def test_moodle_and_plain_csv_from_gradescope_and_moodle_ids(sample_notebooks, tmp_path):
    samples = sorted(sample_notebooks["a1"].glob("*.ipynb"))
    moodle = tmp_path / "moodle"
    (moodle / "Alice Smith_12345_assignsubmission_file_").mkdir(parents=True)
    shutil.copy(samples[0], moodle / "Alice Smith_12345_assignsubmission_file_" / NOTEBOOK)
    write_roster(tmp_path, discover_class(moodle, "a1", NOTEBOOK))
    export = LmsExport([scored("Alice Smith_12345", 18)], load_roster(tmp_path), 18, "A1")
    assert rows(export.csv("moodle")) == [MOODLE_HEADER, ["Participant 12345", "Alice Smith", "", "18", "18", ""]]

    gradescope = tmp_path / "gs"
    (gradescope / "submission_7").mkdir(parents=True)
    shutil.copy(samples[0], gradescope / "submission_7" / NOTEBOOK)
    (gradescope / "submission_metadata.yml").write_text(yaml.safe_dump(
        {"submission_7": {":submitters": [{":name": "Ann Lee", ":sid": "42", ":email": "ann@uni.edu"}]}}))
    write_roster(tmp_path, discover_class(gradescope, "a1", NOTEBOOK))
    export = LmsExport([scored("42", 9)], load_roster(tmp_path), 18, "A1")
    assert rows(export.csv("plain"))[1] == ["42", "Ann Lee", "ann@uni.edu", "9", "18", "graded"]
    assert rows(export.csv("canvas"))[1][:3] == ["Ann Lee", "", "42"]
