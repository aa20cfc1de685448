"""Assignment 2's gradient check against submissions that try to fool it, in the sandbox (integration tier): a
layer that does nothing scores 0 everywhere, a forward that lies near the point backward saw and a submission that
replaces the grader's driver in its own process earn nothing for the gradient check, and a correct neighbour
keeps full marks."""

import pytest

from autograder import samples as sample_defs
from autograder.grading.batch import grade_folder
from autograder.release.pipelines import load_release

from .conftest import REPO_ROOT
from .test_sandbox import engine_for

pytestmark = pytest.mark.integration

CORPUS = sample_defs.load_sample_file(REPO_ROOT / "tests" / "adversarial" / "a2.yml")


@pytest.fixture(scope="module")
def a2_run(masters, released, course, tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial-a2")
    folder, out = root / "submissions", root / "out"
    folder.mkdir()
    release_nb = load_release("a2", released["a2"].notebook, release_root=released["a2"].release_dir.parent)
    for sample in CORPUS:
        (folder / f"{sample.name}.ipynb").write_text(sample_defs.notebook(sample, masters["a2"], release_nb))
    engine, tests = engine_for(masters["a2"], course.grading_for("a2"), [folder, out])
    report = grade_folder(engine, folder, out, masters["a2"].assignment.questions, tests, title="a2", jobs=2)
    return {r.student: r for r in report.results}


@pytest.mark.parametrize("sample", CORPUS, ids=[s.name for s in CORPUS])
def test_a2_submission_gets_its_expected_result_in_the_sandbox(a2_run, sample):
    result = a2_run[sample.name]
    assert result.status == "graded", result.message
    got = {t.id: {"passed": t.passed, "message": t.message} for t in result.tests}
    assert sample_defs.problems(sample, got) == []
