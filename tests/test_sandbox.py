"""The sandboxed engine: the adversarial corpus, isolation, agreement with the library, kill and resume."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder import samples as sample_defs
from .conftest import REPO_ROOT
from autograder.grading.batch import grade_folder
from autograder.grading.results import SubmissionResult
from autograder.grading.sandbox import SandboxEngine, namespaces_available
from autograder.release.pipelines import all_tests, load_release

pytestmark = pytest.mark.integration

ADVERSARIAL = sample_defs.load_sample_file(REPO_ROOT / "tests" / "adversarial" / "a1.yml")
SHORT_TIMEOUT = 2.0  # per test, so that the endless loops of the corpus cost seconds, not minutes


def process_limit_enforced() -> bool:
    """A fork bomb is contained when the child runs as an unprivileged user (root ignores RLIMIT_NPROC)."""
    return os.geteuid() != 0 or namespaces_available()


def engine_for(master, settings, hide, timeout=None):
    tests = all_tests(master)
    if timeout:
        tests = [dataclasses.replace(t, settings={**t.settings, "test_timeout_s": timeout}) for t in tests]
    return SandboxEngine(tests, settings, hide=hide), tests


def write_notebooks(samples, master, built, folder, substitutions):
    folder.mkdir(parents=True, exist_ok=True)
    release_nb = load_release("a1", built["a1"].notebook, release_root=built["a1"].release_dir.parent)
    for sample in samples:
        (folder / f"{sample.name}.ipynb").write_text(sample_defs.notebook(sample, master, release_nb, substitutions))


@pytest.fixture(scope="module")
def adversarial_run(masters, built, course, tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    folder, out = root / "submissions", root / "out"
    samples = [s for s in ADVERSARIAL if s.requires != "process_limit" or process_limit_enforced()]
    write_notebooks(samples, masters["a1"], built, folder, {"repo": REPO_ROOT, "out": out})
    engine, tests = engine_for(masters["a1"], course.grading.for_tests(), [folder, out], timeout=SHORT_TIMEOUT)
    report = grade_folder(engine, folder, out, masters["a1"].assignment.questions, tests, title="a1", jobs=2)
    return out, {r.student: r for r in report.results}, samples


@pytest.mark.parametrize("sample", ADVERSARIAL, ids=[s.name for s in ADVERSARIAL])
def test_adversarial_submission_gets_its_expected_result(adversarial_run, sample):
    if sample.requires == "process_limit" and not process_limit_enforced():
        pytest.skip("running as root without namespaces: RLIMIT_NPROC would not contain a fork bomb")
    _, results, _ = adversarial_run
    result = results[sample.name]
    assert result.status == "graded", result.message
    got = {t.id: {"passed": t.passed, "message": t.message} for t in result.tests}
    assert sample_defs.problems(sample, got) == []


def test_forged_results_are_overwritten_by_the_real_ones(adversarial_run):
    out, results, _ = adversarial_run
    victim = SubmissionResult.from_json((out / "results" / "victim.json").read_text())
    assert victim.engine == "sandbox" and victim.score == 18
    assert "forged" not in (out / "final_grades.csv").read_text()


def test_the_isolation_in_force_is_reported(adversarial_run):
    _, results, _ = adversarial_run
    isolation = results["victim"].isolation
    assert "sandboxed child" in isolation and "numpy only" in isolation
    if namespaces_available():
        assert "namespaces" in isolation and "user nobody" in isolation


def test_the_child_cannot_reach_the_network_or_the_course(masters, built, course, tmp_path):
    """Probes run as student code: what they could see comes back through a numeric answer."""
    probe = (
        "import os, socket\n"
        "seen = 0\n"
        "for path in ['{repo}/solutions/conv.py', '{repo}/source/a1_conv_forward.md', '{repo}/course.yml']:\n"
        "    try:\n        open(path).read(); seen += 1\n    except Exception:\n        pass\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); seen += 10\nexcept Exception:\n    pass\n"
        "try:\n    import torch; seen += 100\nexcept Exception:\n    pass\n"
        "parameter_count = seen\n")
    sample = sample_defs.Sample(name="probe", origin="../samples/a1/student_loops.py",
                                replace=(("parameter_count = 1216\n", probe),), expect=None,
                                directory=REPO_ROOT / "tests" / "adversarial")
    write_notebooks([sample], masters["a1"], built, tmp_path / "subs", {"repo": REPO_ROOT})
    engine, tests = engine_for(masters["a1"], course.grading.for_tests(), [tmp_path])
    report = grade_folder(engine, tmp_path / "subs", tmp_path / "out", masters["a1"].assignment.questions, tests,
                          title="a1")
    form = next(t for t in report.results[0].tests if t.id == "parameter_count.value")
    expected_seen = 0 if namespaces_available() else None
    assert "= 0 " in form.message or expected_seen is None, form.message  # 0: nothing readable, no net, no torch
    if expected_seen is None:
        assert "100" not in form.message  # torch stays out of reach even without namespaces


@pytest.mark.parametrize("assignment", ["a1", "a2", "a3"])
def test_every_sample_gets_the_same_result_as_in_the_library(assignment, masters, course, sample_notebooks, tmp_path):
    """The sandbox and in-process grading agree test by test on every bundled sample."""
    from .conftest import library_results

    master = masters[assignment]
    engine, tests = engine_for(master, course.grading.for_tests(), [sample_notebooks[assignment]])
    report = grade_folder(engine, sample_notebooks[assignment], tmp_path / "out", master.assignment.questions,
                          tests, title=assignment, jobs=2)
    for sample in sample_defs.load_samples(assignment):
        result = next(r for r in report.results if r.student == sample.name)
        if sample.origin == "raw":
            assert result.status == "error"
            continue
        in_process = library_results(master, sample_defs.namespace(sample, master))
        assert {t.id: t.passed for t in result.tests} == {t: r["passed"] for t, r in in_process.items()}, sample.name


def comparable(path):
    data = json.loads(path.read_text())
    data.pop("duration_s")
    for test in data["tests"]:
        test.pop("duration_s")
    return data


def test_a_grader_killed_halfway_loses_nothing_and_a_rerun_finishes_identically(sample_notebooks, built, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    names = ["reference", "untouched", "kernel_flipped", "stride_ignored", "bias_missing", "padding_ignored"]
    for copy in range(3):
        for name in names:
            (folder / f"{name}_{copy}.ipynb").write_bytes((sample_notebooks["a1"] / f"{name}.ipynb").read_bytes())
    command = [sys.executable, "-m", "autograder.cli", "grade", "a1", str(folder)]
    killed_out, clean_out = tmp_path / "killed", tmp_path / "clean"
    process = subprocess.Popen(command + ["--out", str(killed_out)], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO_ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((killed_out / "results").glob("*.json"))) < 4:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = sorted((killed_out / "results").glob("*.json"))
    assert 4 <= len(done) < len(names) * 3
    for path in done:  # written atomically: whatever exists is whole
        SubmissionResult.from_json(path.read_text())
    rerun = subprocess.run(command + ["--out", str(killed_out)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert rerun.returncode == 0, rerun.stderr
    assert f"unchanged {len(done)}" in rerun.stdout
    subprocess.run(command + ["--out", str(clean_out)], check=True, capture_output=True, cwd=REPO_ROOT)
    for path in sorted((clean_out / "results").glob("*.json")):
        assert comparable(killed_out / "results" / path.name) == comparable(path), path.name
    assert (killed_out / "final_grades.csv").read_text() == (clean_out / "final_grades.csv").read_text()
