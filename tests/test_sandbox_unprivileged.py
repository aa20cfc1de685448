"""The sandbox without root (integration tier): `course grade` run as user nobody from a second virtualenv built
on Debian's /usr/bin/python3.11 in a world-readable folder, on submissions only that user can read. Without root
the same isolation holds (bubblewrap with unprivileged user namespaces), except the aggregate memory limit."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder import samples as sample_defs
from autograder.grading.results import SubmissionResult
from autograder.release.pipelines import load_release

from .conftest import REPO_ROOT

pytestmark = pytest.mark.integration

NOBODY = 65534
DEBIAN_PYTHON = Path("/usr/bin/python3.11")
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
CORPUS = REPO_ROOT / "tests" / "adversarial"
SAMPLES = ["victim", "ring_a_writer", "ring_b_reader", "daemon_rewrites_results", "forks_to_the_limit",
           "threads_then_a_malformed_start_up_reply", "two_gigabytes_of_scratch", "reply_deeply_nested",
           "memory_bomb", "endless_loop", "neighbour_1", "neighbour_2", "imports_torch_found_on_disk",
           "reads_the_solutions", "forges_results", "patches_numpy", "replaces_the_child_runtime",
           "loop_that_swallows_interrupts", "reply_unknown_dtype"]


@pytest.fixture(scope="module")
def nobody_venv():
    """A virtualenv user nobody can use (torch 2.13.0 and the project's dependencies), cached by pyproject.toml in
    the system's temp folder."""
    if os.geteuid() != 0:
        pytest.skip("building the unprivileged setting needs root (to switch to user nobody)")
    for tool in ("bwrap", "setpriv"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")
    if not DEBIAN_PYTHON.exists():
        pytest.skip("Debian's python3.11 (with python3.11-venv) is not installed")
    tag = hashlib.sha256((REPO_ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
    venv = Path(tempfile.gettempdir()) / f"course-nobody-venv-{tag}"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([str(DEBIAN_PYTHON), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "torch==2.13.0", str(REPO_ROOT)], check=True,
                       timeout=1800)  # the project's own dependencies, as the registry resolves them here
        (venv / ".complete").write_text("ok")
    # the project itself, fresh each time: a copy of this checkout's package, no dependencies
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(REPO_ROOT)],
                   check=True, timeout=600)
    subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
    return venv


def test_course_grade_as_an_ordinary_user_isolates_every_submission(nobody_venv, masters, released, tmp_path):
    root = Path(tempfile.mkdtemp(prefix="course-nobody-"))
    try:
        os.chmod(root, 0o755)
        folder, out = root / "submissions", root / "out"
        folder.mkdir()
        samples = {s.name: s for name in ("a1.yml", "tenancy.yml") for s in sample_defs.load_sample_file(CORPUS / name)}
        release_nb = load_release("a1", released["a1"].notebook, release_root=released["a1"].release_dir.parent)
        for name in SAMPLES:
            text = sample_defs.notebook(samples[name], masters["a1"], release_nb, {"repo": REPO_ROOT, "out": out})
            (folder / f"{name}.ipynb").write_text(text)
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(root)], check=True)
        os.chmod(folder, 0o700)  # only the grading user can read the submissions
        done = subprocess.run(AS_NOBODY + [str(nobody_venv / "bin" / "course"), "--course", str(REPO_ROOT), "grade",
                                           "a1", str(folder), "--out", str(out), "-j", "4"],
                              capture_output=True, text=True, timeout=1200, cwd=root,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(root), "LANG": "C.UTF-8"})
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "sandboxed child (bubblewrap)" in done.stdout
        assert "memory bounded only as processes x the per-process limit" in done.stdout
        results = {p.stem: SubmissionResult.from_json(p.read_text()) for p in (out / "results").glob("*.json")}
        for name in SAMPLES:
            result = results[name]
            assert result.status == "graded", (name, result.message)
            got = {t.id: {"passed": t.passed, "message": t.message} for t in result.tests}
            assert sample_defs.problems(samples[name], got) == [], name
        assert "forged" not in (out / "final_grades.csv").read_text()
    finally:
        shutil.rmtree(root, ignore_errors=True)
