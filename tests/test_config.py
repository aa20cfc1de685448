"""course.yml and the source masters: a bad key or value is an error that names it."""

import pytest
import yaml

from autograder.config import DEFAULT_COURSE_FILE, CourseConfigError, load_course
from autograder.master import MasterError, load_master

GOOD = {
    "course": {"id": "c", "title": "t"},
    "grading": {"rtol": 1e-6, "device": "auto"},
    "assignments": [{"id": "a1", "title": "A1", "notebook": "a1.ipynb", "source": "source/a1_conv_forward.md",
                     "questions": {"activators": 2}}],
}


def write(tmp_path, data):
    path = tmp_path / "course.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_course_file_loads(course):
    assert course.grading.device in ("auto", "cpu", "cuda")
    assert course.assignment("a1").points == 18


def test_unknown_key_is_named(tmp_path):
    data = {**GOOD, "grading": {**GOOD["grading"], "rtoll": 1e-3}}
    with pytest.raises(CourseConfigError, match=r"grading\.rtoll: unknown key"):
        load_course(write(tmp_path, data))


def test_bad_value_is_named(tmp_path):
    data = {**GOOD, "grading": {"device": "gpu"}}
    with pytest.raises(CourseConfigError, match=r"grading\.device"):
        load_course(write(tmp_path, data))


def test_negative_tolerance_is_named(tmp_path):
    data = {**GOOD, "grading": {"rtol": -1}}
    with pytest.raises(CourseConfigError, match=r"grading\.rtol"):
        load_course(write(tmp_path, data))


def test_unknown_assignment_lists_the_known_ones(course):
    with pytest.raises(CourseConfigError, match="a1"):
        course.assignment("nope")


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(CourseConfigError, match="not found"):
        load_course(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("course: [unclosed")
    with pytest.raises(CourseConfigError, match="not valid YAML"):
        load_course(bad)


def test_question_in_course_but_not_in_master_is_named(tmp_path):
    data = yaml.safe_load(DEFAULT_COURSE_FILE.read_text())
    data["assignments"][0]["questions"]["ghost"] = 1
    course = load_course(write(tmp_path, data))
    with pytest.raises(MasterError, match="ghost"):
        load_master(course, "a1")


def test_question_in_master_but_not_in_course_is_named(tmp_path):
    course = load_course(write(tmp_path, GOOD))  # lists only 'activators'
    with pytest.raises(MasterError, match="filter"):
        load_master(course, "a1")


def test_test_points_add_up_to_the_question_points(masters, course):
    for assignment_id, master in masters.items():
        for question in master.questions.values():
            total = sum(t.points for t in question.tests)
            assert total == pytest.approx(course.assignment(assignment_id).questions[question.name])
