"""The grading benchmark runs end to end (small N); its figures are for the README, never asserted here."""

import subprocess
import sys

import pytest

from .conftest import REPO_ROOT

@pytest.mark.integration
def test_benchmark_script_runs_and_prints_ratios():
    done = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "grading_speed.py"), "--n", "2"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    for line in ("seconds per submission (n = 2)", "vs otter run", "vs nbgrader", "isolation:"):
        assert line in done.stdout
