"""The `course` command line: clear errors, and grading a folder end to end."""

import shutil

from click.testing import CliRunner

from autograder.cli import main


def test_a_bad_course_file_is_reported_by_key(tmp_path):
    bad = tmp_path / "course.yml"
    bad.write_text("course: {id: c, title: t}\nassignments: []\ngrading: {devise: cpu}\n")
    result = CliRunner().invoke(main, ["--course-file", str(bad), "release", "--check"])
    assert result.exit_code != 0 and "grading.devise: unknown key" in result.output


def test_an_unknown_assignment_is_reported():
    result = CliRunner().invoke(main, ["release", "--check", "a9"])
    assert result.exit_code != 0 and "unknown assignment 'a9'" in result.output


def test_grade_writes_gradebook_and_feedback_even_for_broken_files(tmp_path, sample_notebooks):
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copyfile(sample_notebooks["a1"] / "malformed_notebook.ipynb", folder / "alice.ipynb")
    (folder / "bob.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", "a1", str(folder), "--out", str(out)])
    assert result.exit_code == 3, result.output  # EXIT_NOT_GRADED: some files could not be graded
    assert "not a valid notebook" in result.output and "no code" in result.output
    assert (out / "final_grades.csv").read_text().count("\n") == 4
    assert (out / "feedback" / "alice.html").is_file() and (out / "results" / "bob.json").is_file()
