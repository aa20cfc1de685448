"""The sandboxed engine, end to end (integration tier): the adversarial corpus graded with -j 4 beside correct
neighbours, no process or file of a submission left afterwards, the time budget, agreement with the library,
kill and resume. The fast probes of the isolation are in test_sandbox_isolation.py; the unprivileged mode in
test_sandbox_unprivileged.py."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import samples as sample_defs
from autograder.grading.batch import grade_folder
from autograder.grading.results import SubmissionResult
from autograder.sandbox.engine import SandboxEngine
from autograder.release.pipelines import all_tests, load_release
from autograder.sandbox.tenancy import CGROUPS

from .conftest import REPO_ROOT

pytestmark = pytest.mark.integration

CORPUS = REPO_ROOT / "tests" / "adversarial"
ADVERSARIAL = [s for name in ("a1.yml", "tenancy.yml") for s in sample_defs.load_sample_file(CORPUS / name)]
SHORT_TIMEOUT = 5.0  # per test: endless loops cost seconds, and honest code has room on a loaded machine


def engine_for(master, settings, hide=(), timeout=None, budget=None):
    tests = all_tests(master)
    if timeout:
        tests = [dataclasses.replace(t, settings={**t.settings, "test_timeout_s": timeout}) for t in tests]
    return SandboxEngine(tests, settings, hide=hide, budget_s=budget), tests


def write_notebooks(samples, master, released, folder, substitutions=None):
    folder.mkdir(parents=True, exist_ok=True)
    release_nb = load_release("a1", released["a1"].notebook, release_root=released["a1"].release_dir.parent)
    for sample in samples:
        (folder / f"{sample.name}.ipynb").write_text(sample_defs.notebook(sample, master, release_nb, substitutions))


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, uid, command line) of every process on the host."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                status = (entry / "status").read_text()
                fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found[int(entry.name)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]), command)
        except (OSError, KeyError, ValueError):
            pass
    return found


def leftovers() -> dict:
    """What this process's grading could leave on the host: processes of user nobody that descend from it, and its
    cgroups. (Other sessions' sandboxes do not count; an escape from the pid namespace is probed with a marked
    daemon in test_sandbox_isolation.py.)"""
    table, me = _processes(), os.getpid()

    def mine(pid: int) -> bool:
        seen = set()
        while pid in table and pid not in seen:
            seen.add(pid)
            parent = table[pid][0]
            if parent == me:
                return True
            pid = parent
        return False

    nobody = sorted(f"{pid} {command}" for pid, (_, uid, command) in table.items()
                    if uid == 65534 and mine(pid))
    groups = [str(p) for p in CGROUPS.glob(f"*/**/course-sandbox-{me}-*")] if CGROUPS.is_dir() else []
    return {"processes": nobody, "cgroups": groups}


@pytest.fixture(scope="module")
def adversarial_run(masters, released, course, tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    folder, out = root / "submissions", root / "out"
    write_notebooks(ADVERSARIAL, masters["a1"], released, folder, {"repo": REPO_ROOT, "out": out})
    before = leftovers()
    engine, tests = engine_for(masters["a1"], course.grading_for("a1"), [folder, out], timeout=SHORT_TIMEOUT)
    report = grade_folder(engine, folder, out, masters["a1"].assignment.questions, tests, title="a1", jobs=4)
    time.sleep(4)  # longer than the daemon of daemon_rewrites_results waits before it strikes
    return out, {r.student: r for r in report.results}, before, leftovers()


@pytest.mark.parametrize("sample", ADVERSARIAL, ids=[s.name for s in ADVERSARIAL])
def test_adversarial_submission_gets_its_expected_result(adversarial_run, sample):
    _, results, _, _ = adversarial_run
    result = results[sample.name]
    assert result.status == "graded", result.message
    got = {t.id: {"passed": t.passed, "message": t.message} for t in result.tests}
    assert sample_defs.problems(sample, got) == []


def test_forged_results_are_overwritten_by_the_real_ones(adversarial_run):
    out, results, _, _ = adversarial_run
    victim = SubmissionResult.from_json((out / "results" / "victim.json").read_text())
    assert victim.engine == "sandbox" and victim.score == 18
    assert "forged" not in (out / "final_grades.csv").read_text()


def test_nothing_of_any_submission_is_left_on_the_host(adversarial_run):
    _, _, before, after = adversarial_run
    assert after["cgroups"] == []
    assert [p for p in after["processes"] if p not in before["processes"]] == []


def test_the_grader_stays_under_a_gibibyte_whatever_the_replies(adversarial_run):
    import resource

    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1 << 20  # KiB: the grader's own peak memory


def test_the_isolation_in_force_is_reported(adversarial_run):
    _, results, _, _ = adversarial_run
    isolation = results["victim"].isolation
    assert "sandboxed child (bubblewrap)" in isolation and "numpy only" in isolation
    assert "budget" in isolation


EVERY_METHOD = ("import time\n"
                "for cls in (ReluActivator, IdentityActivator, Filter, ConvLayer):\n"
                "    for name in [n for n, v in vars(cls).items() if callable(v)]:\n"
                "        setattr(cls, name, {body})\n")


@pytest.mark.parametrize("kind, body, cells_s", [
    ("sleeps", "lambda *a, **k: time.sleep(1000)", 0),
    ("loops", "lambda *a, **k: [None for _ in iter(int, 1)]", 0),
    ("crashes after slow cells", "lambda *a, **k: __import__('os')._exit(9)", 3),
])
def test_a_submission_that_stalls_or_crashes_everywhere_is_graded_within_its_budget(
        kind, body, cells_s, masters, released, course, tmp_path):
    budget = 8.0
    code = EVERY_METHOD.format(body=body) + (f"time.sleep({cells_s})\n" if cells_s else "")
    sample = sample_defs.Sample(name="stalls", origin="../samples/a1/student_loops.py", expect="zero",
                                replace=(("parameter_count = 1216\n", "parameter_count = 1216\n" + code),),
                                directory=CORPUS)
    write_notebooks([sample], masters["a1"], released, tmp_path / "subs")
    engine, tests = engine_for(masters["a1"], course.grading_for("a1"), timeout=SHORT_TIMEOUT, budget=budget)
    started = time.monotonic()
    report = grade_folder(engine, tmp_path / "subs", tmp_path / "out", masters["a1"].assignment.questions, tests,
                          title="a1")
    elapsed = time.monotonic() - started
    result = report.results[0]
    assert elapsed < budget + 6, f"{elapsed:.1f} s for a budget of {budget} s"
    assert result.duration_s <= budget + 2
    messages = [t.message for t in result.tests if not t.passed]
    assert any("time budget for this submission spent" in m for m in messages) or kind == "crashes after slow cells"
    if kind == "sleeps":
        assert any("not called again" in m for m in messages)
    assert not any(t.passed for t in result.tests if not t.id.startswith(("output_shape", "parameter_count")))


@pytest.mark.parametrize("assignment", ["a1", "a2", "a3", "a5"])
def test_every_sample_gets_the_same_result_as_in_the_library(assignment, masters, course, sample_notebooks, tmp_path):
    """The sandbox and in-process grading agree test by test on every bundled sample."""
    from .conftest import library_results

    master = masters[assignment]
    engine, tests = engine_for(master, course.grading_for(assignment), [sample_notebooks[assignment]])
    report = grade_folder(engine, sample_notebooks[assignment], tmp_path / "out", master.assignment.questions,
                          tests, title=assignment, jobs=2)
    for sample in sample_defs.load_samples(assignment):
        result = next(r for r in report.results if r.student == sample.name)
        if sample.origin == "raw":
            assert result.status == "unreadable", result.message  # a row without points, not a crash
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
