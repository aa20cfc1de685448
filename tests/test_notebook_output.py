"""What a check cell shows a student, and what nbgrader reads from it.

In Jupyter: the course's message first (points, then each failing test's diagnosis), otter's block after it without
"Error at line N" and the test's source line, and no Out[n]. Under nbgrader: the right partial score (autograde),
and the failing check's message in Validate.
"""

import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade

from autograder import samples as sample_defs
from autograder.notebook import CheckOutput, _course_message
from autograder.release.pipelines import build

integration = pytest.mark.integration
OTTER_FAILURE = ("❌ Test case failed\nError at line 11 in test conv_forward:\n"
                 "      run_otter_test(env, 'conv_forward.worked_example')\n"
                 "AssertionError: [conv_forward.worked_example] case 1 of 1: kernel flipped\nsecond line")


def test_the_course_message_drops_otters_error_header_and_test_source():
    assert _course_message(OTTER_FAILURE) == "[conv_forward.worked_example] case 1 of 1: kernel flipped\nsecond line"


def test_the_points_line_comes_first_then_each_failure():
    out = CheckOutput("conv_forward", 4, 10, ["[conv_forward.a] kernel flipped", "[conv_forward.b] bias missing"])
    lines = repr(out).splitlines()
    assert lines[0].startswith("conv_forward: public checks give 4 of 10 points")
    assert lines[1:] == ["  - [conv_forward.a] kernel flipped", "  - [conv_forward.b] bias missing"]
    assert out._repr_html_().index("public checks give") < out._repr_html_().index("kernel flipped")


@pytest.fixture(scope="module")
def a1(course, masters, tmp_path_factory):
    """A fresh a1 release and three submissions made from it: untouched, kernel_flipped, reference."""
    root = tmp_path_factory.mktemp("a1-notebook-output")
    release = build(course, "a1", release_root=root / "assignments", build_root=root / "build")
    release_nb = nbformat.read(release.release_dir / release.notebook, as_version=4)
    samples = {s.name: s for s in sample_defs.load_samples("a1")}
    texts = {name: sample_defs.notebook(samples[name], masters["a1"], release_nb)
             for name in ("untouched", "kernel_flipped", "reference")}
    return release, texts


def _copy(release, text, folder):
    shutil.copytree(release.handout_dir, folder)  # what students get: the release plus the runtime
    path = folder / release.notebook
    path.write_text(text)
    return path


def _check_cells(nb):
    return [c for c in nb.cells if c.metadata.get("course", {}).get("role") == "question"]


def _all_text(cell) -> str:
    return "".join(o.get("text", "") + "".join(str(v) for v in o.get("data", {}).values()) for o in cell.outputs)


@integration
@pytest.mark.parametrize("name, words", [("untouched", "not implemented"), ("kernel_flipped", "kernel flipped")])
def test_check_cells_show_the_course_message_first_and_no_noise(a1, tmp_path, name, words):
    release, texts = a1
    path = _copy(release, texts[name], tmp_path / "release")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    cells = {c.metadata["course"]["question"]: c for c in _check_cells(nb)}
    for question, cell in cells.items():
        kinds = [o.output_type for o in cell.outputs]
        assert "execute_result" not in kinds, f"{question}: a check cell shows an Out[n]"
        assert "Error at line" not in _all_text(cell) and "run_otter_test" not in _all_text(cell)
        assert not any(o.get("name") == "stderr" for o in cell.outputs)
        first = cell.outputs[0]
        assert first.output_type == "display_data" and f"{question}: public checks give" in first.data["text/plain"]
    conv = cells["conv_forward"]
    assert words in conv.outputs[0].data["text/plain"]
    assert "results:" in conv.outputs[1].data["text/plain"]  # otter's block, after the course's message


@integration
def test_validate_prints_the_failing_checks_message(a1, tmp_path):
    from nbgrader.validator import Validator

    release, texts = a1
    untouched = Validator().validate(str(_copy(release, texts["untouched"], tmp_path / "untouched")))
    errors = [" ".join(cell["raw_error"].split()) for cell in untouched["failed"]]
    assert len(errors) == len(_check_cells(nbformat.reads(texts["untouched"], as_version=4)))
    assert all("public checks give 0 of" in e and "not implemented" in e for e in errors)
    assert not any("Partial credit" in e for e in errors)
    flipped = Validator().validate(str(_copy(release, texts["kernel_flipped"], tmp_path / "flipped")))
    failed = [cell for cell in flipped["failed"]]
    assert [cell["source"] for cell in failed] == ['check("conv_forward")']
    assert "kernel flipped" in " ".join(failed[0]["raw_error"].split())
    assert Validator().validate(str(_copy(release, texts["reference"], tmp_path / "reference"))) == {}


@integration
def test_autograde_reads_the_right_partial_score_from_every_check_cell(a1, tmp_path):
    from autograder.grading.nbgrader_runner import grade_with_nbgrader

    release, texts = a1
    course_dir = tmp_path / "nbgrader-state"
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.ipynb").write_text(text)
    report = grade_with_nbgrader(release.nbgrader_root, "a1", release.notebook, folder, tmp_path / "out", course_dir)
    assert report.scores["untouched"] == 0 and report.scores["reference"] == report.max_score
    assert 0 < report.scores["kernel_flipped"] < report.max_score
    for name in texts:
        nb = nbformat.read(course_dir / "autograded" / name / "a1" / release.notebook, as_version=4)
        cells = {c.metadata["course"]["question"]: c for c in _check_cells(nb)}
        for question, cell in cells.items():
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert len(results) == 1, f"{name}/{question}: nbgrader needs exactly one numeric result"
            float(results[0].data["text/plain"])
            assert "Error at line" not in _all_text(cell)
        score = {q: determine_grade(c)[0] for q, c in cells.items()}
        full = {q: determine_grade(c)[1] for q, c in cells.items()}
        if name == "untouched":
            assert set(score.values()) == {0}
        elif name == "reference":
            assert score == full
        else:
            assert score["conv_forward"] < full["conv_forward"] and score["activators"] == full["activators"]


@integration
def test_the_export_cell_writes_the_zip_to_submit(a1, tmp_path):
    release, texts = a1
    path = _copy(release, texts["reference"], tmp_path / "release")
    nb = nbformat.read(path, as_version=4)
    assert "grader.export(pdf=False)" in nb.cells[-1].source
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    zips = list(path.parent.glob("*.zip"))
    assert len(zips) == 1, [o for o in nb.cells[-1].outputs]
    for cell in _check_cells(nb):
        assert "public checks give" in cell.outputs[0].data["text/plain"]
        assert "give 0 of" not in cell.outputs[0].data["text/plain"]


def test_graders_leave_the_export_cell_out():
    """The release's last cell calls otter's export; the course's engine runs none of it (no NameError note)."""
    from autograder.grading.notebook_code import notebook_code
    from autograder.release.student_cells import AddExportCell

    nb, _ = AddExportCell().preprocess(nbformat.v4.new_notebook(), {})
    assert "grader.export(pdf=False)" in nb.cells[-1].source
    assert notebook_code(nb) == ([""], [])
