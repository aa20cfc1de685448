"""course.yml and the source masters: a bad key or value is an error that names it; the course root."""

import shutil

import pytest
import yaml

from autograder.config import CourseConfigError, load_course
from autograder.master import MasterError, load_master

from .conftest import REPO_ROOT

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
    data = yaml.safe_load((REPO_ROOT / "course.yml").read_text())
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


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A second course folder (course.yml, source/, solutions/) with the package still installed from this one."""
    from autograder.config import CourseRoot

    folder = tmp_path / "other-course"
    folder.mkdir()
    (folder / "course.yml").write_text((REPO_ROOT / "course.yml").read_text().replace(
        "Assignment 1: convolutional layers, the forward pass", "Assignment 1 of the other course"))
    shutil.copytree(REPO_ROOT / "source", folder / "source")
    shutil.copytree(REPO_ROOT / "solutions", folder / "solutions")
    (folder / "deep" / "er").mkdir(parents=True)
    yield folder
    CourseRoot.choose(REPO_ROOT)


def test_the_course_root_is_found_from_the_current_folder_upwards(course_copy, monkeypatch):
    from autograder.config import CourseRoot, course_root

    CourseRoot.choose(None)
    monkeypatch.chdir(course_copy / "deep" / "er")
    assert course_root() == course_copy.resolve()
    course = load_course()
    assert course.assignment("a1").title == "Assignment 1 of the other course"
    assert load_master(course, "a1").path == course_copy.resolve() / "source" / "a1_conv_forward.md"


def test_outside_any_course_the_error_says_what_to_do(tmp_path, monkeypatch):
    from autograder.config import CourseRoot

    CourseRoot.choose(None)
    monkeypatch.chdir(tmp_path)
    try:
        with pytest.raises(CourseConfigError, match="no course.yml in .* pass --course"):
            load_course()
        with pytest.raises(CourseConfigError, match="not a course folder"):
            CourseRoot.choose(tmp_path)
    finally:
        CourseRoot.choose(REPO_ROOT)


def test_every_command_takes_the_course_option(course_copy, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from autograder.cli import main

    monkeypatch.chdir(tmp_path)  # not a course folder: --course says which
    (course_copy / "course.yml").write_text((course_copy / "course.yml").read_text().replace("- id: a3", "- id: b3"))
    result = CliRunner().invoke(main, ["--course", str(course_copy), "release", "--check", "a9"])
    assert result.exit_code != 0 and "course.yml defines: a1, a2, b3" in result.output
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "release", "--check"])
    assert result.exit_code != 0 and "not a course folder" in result.output


# --- per-test time limits ------------------------------------------------------------------------------------------

def course_with(tmp_path, **a1):
    """The course's own course.yml with extra keys for assignment a1."""
    data = yaml.safe_load((REPO_ROOT / "course.yml").read_text())
    data["assignments"][0].update(a1)
    return load_course(write(tmp_path, data))


def limits(master) -> dict:
    return {t.id: t.settings["test_timeout_s"] for q in master.questions.values() for t in q.tests}


def test_a_question_or_a_test_may_have_its_own_time_limit(tmp_path, course):
    default = limits(load_master(course, "a1"))
    assert set(default.values()) == {course.grading.test_timeout_s}
    own = course_with(tmp_path, test_timeouts_s={"conv_forward": 40, "conv_forward.activators": 50})
    master = load_master(own, "a1")
    changed = limits(master)
    carrying = [t for t in master.questions["conv_forward"].tests if "driver_setup" in t.settings]
    assert carrying and all(t.settings["test_timeout_s"] in (40, 50) for t in carrying)  # with the reference units too
    for test_id, limit in changed.items():
        if test_id == "conv_forward.activators":
            assert limit == 50  # the test's own key before its question's
        elif test_id.startswith("conv_forward."):
            assert limit == 40
        else:
            assert limit == default[test_id]


def test_a_time_limit_for_an_unknown_question_is_named(tmp_path):
    with pytest.raises(CourseConfigError, match=r"test_timeouts_s: 'trian' names no question of a1"):
        course_with(tmp_path, test_timeouts_s={"trian": 30})


def test_a_time_limit_for_an_unknown_test_is_named(tmp_path):
    own = course_with(tmp_path, test_timeouts_s={"conv_forward.no_such_test": 30})
    with pytest.raises(MasterError, match=r"test_timeouts_s: 'conv_forward.no_such_test' names no test"):
        load_master(own, "a1")


def test_a_time_limit_above_the_submission_budget_is_an_error(tmp_path):
    with pytest.raises(CourseConfigError, match=r"test_timeouts_s.conv_forward is 120 s, more than the submission "
                                                r"budget of 60 s"):
        course_with(tmp_path, test_timeouts_s={"conv_forward": 120})
    own = course_with(tmp_path, test_timeouts_s={"conv_forward": 120}, submission_budget_s=300)
    assert own.grading_for("a1")["submission_budget_s"] == 300


def test_a_changed_time_limit_changes_the_results_key(tmp_path, course):
    from autograder.grading.results import result_key

    def key(c):
        tests = [t for q in load_master(c, "a1").questions.values() for t in q.tests]
        return result_key("content", "sandbox", c.assignment("a1").questions, tests, c.grading_for("a1"))

    assert key(course) != key(course_with(tmp_path, test_timeouts_s={"conv_forward": 40}))


def test_every_engine_gets_the_assignments_own_budget(tmp_path, monkeypatch):
    """An assignment that raises its budget (for a long test) gets it in the sandbox and in the otter engine alike."""
    from pathlib import Path

    from autograder import cli

    own = course_with(tmp_path, test_timeouts_s={"conv_forward": 120}, submission_budget_s=300)
    monkeypatch.setattr(cli, "_ensure_built", lambda course, assignment: Path("autograder.zip"))  # no build here
    _, _, otter = cli._engine(own, "a1", "otter")
    assert otter.timeout_s == 300


def test_mutation_analysis_grades_with_the_assignments_own_budget(tmp_path):
    from autograder.mutation.analysis import analysis_for

    own = course_with(tmp_path, test_timeouts_s={"conv_forward": 120}, submission_budget_s=300)
    assert analysis_for(own, "a1", count=1).settings["submission_budget_s"] == 300


def test_nbgrader_gives_a_cell_the_largest_budget_of_any_assignment(tmp_path):
    from autograder.release.pipelines import write_nbgrader_course

    own = course_with(tmp_path, test_timeouts_s={"conv_forward": 120}, submission_budget_s=300)
    write_nbgrader_course(own, tmp_path / "nbgrader")
    assert "c.Execute.timeout = 300\n" in (tmp_path / "nbgrader" / "nbgrader_config.py").read_text()
