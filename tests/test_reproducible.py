"""The same result on every machine: committed expected values are compared within course.yml's tolerance.

torch's CPU kernels differ in the last digits with the vector width (ATEN_CPU_CAPABILITY) and the thread count,
so public test data generated elsewhere must still pass `course release --check` here, and a real change must not.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.release.compare import NumberTolerance, tree_differences, value_differences

from .conftest import ASSIGNMENTS, REPO_ROOT

TOL = NumberTolerance(rtol=1e-6, atol=1e-9)
# Public test data of every assignment, written as the release writes it, under the conditions of the environment.
GENERATE = """
import sys, torch
torch.set_num_threads(int(sys.argv[2]))
from pathlib import Path
from autograder.config import load_course
from autograder.master import load_master
from autograder.release.pipelines import public_questions
from autograder.release.test_data import write_test_data
course = load_course()
for a in course.assignments:
    write_test_data(Path(sys.argv[1]) / a.id, public_questions(load_master(course, a.id)), public_only=True)
print(torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())
"""


def test_numbers_within_tolerance_are_equal_and_text_is_exact():
    committed = {"values": [0.00844168705860217, 1.0], "shape": [2, 3], "name": "relu"}
    assert value_differences({**committed, "values": [0.00844168705860221, 1.0]}, committed, TOL) == []
    assert value_differences({**committed, "values": [0.0085, 1.0]}, committed, TOL) == \
        [".values[0]: 0.0085 (fresh) vs 0.00844168705860217 (committed)"]
    assert value_differences({**committed, "shape": [2, 4]}, committed, TOL) == [".shape[1]: 4 (fresh) vs 3 (committed)"]
    assert value_differences({**committed, "name": "relu "}, committed, TOL)
    assert value_differences({"values": [1.0], "name": "relu", "shape": [2, 3]}, committed, TOL)  # key order
    assert value_differences({**committed, "values": [float("nan"), 1.0]}, committed, TOL)
    nan, inf = float("nan"), float("inf")
    assert value_differences([nan, inf, -inf], [nan, inf, -inf], TOL) == []
    assert value_differences([inf], [-inf], TOL) and value_differences([1e308], [inf], TOL)


def test_tree_differences_name_the_file_and_where(tmp_path):
    fresh, committed = tmp_path / "fresh", tmp_path / "committed"
    for folder, value, text in ((fresh, 0.1 + 1e-12, "same"), (committed, 0.1, "same")):
        (folder / "tests").mkdir(parents=True)
        (folder / "tests" / "q.json").write_text(json.dumps({"expected": [value]}))
        (folder / "tests" / "q.py").write_text(text)
    assert tree_differences(fresh, committed, TOL) == []
    (fresh / "tests" / "q.py").write_text("changed")
    (fresh / "tests" / "q.json").write_text(json.dumps({"expected": [0.2]}))
    (fresh / "extra.txt").write_text("")
    assert tree_differences(fresh, committed, TOL) == [
        "extra.txt: only in the fresh release",
        "tests/q.json: .expected[0]: 0.2 (fresh) vs 0.1 (committed)",
        "tests/q.py: content differs"]


def generate_public_data(folder, threads: int, capability: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    if capability:
        env["ATEN_CPU_CAPABILITY"] = capability
    done = subprocess.run([sys.executable, "-c", GENERATE, str(folder), str(threads)], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.mark.integration  # regenerates every public case's data in a subprocess (a release build, ~12 s)
def test_public_data_made_with_another_cpu_capability_and_thread_count_matches_the_committed(tmp_path):
    """Generated with torch's scalar kernels on one thread, compared with what is committed (made otherwise)."""
    conditions = generate_public_data(tmp_path, threads=1, capability="default")
    assert conditions == "DEFAULT 1"
    for assignment in ASSIGNMENTS:
        committed = REPO_ROOT / "assignments" / assignment / "tests"
        fresh = tmp_path / assignment
        for path in committed.glob("*.py"):  # only the data is generated here
            shutil.copyfile(path, fresh / path.name)
        assert tree_differences(fresh, committed, TOL) == []


@pytest.mark.integration
def test_release_check_passes_in_a_copy_of_the_course_under_other_cpu_conditions(tmp_path):
    """`course release --check` run from another course folder (the package stays installed from this one),
    with torch's scalar kernels on one thread: it checks that folder, passes, and fails on a real change."""
    course = tmp_path / "course"
    course.mkdir()
    for name in ("course.yml", "source", "solutions", "assignments"):
        copy = shutil.copytree if (REPO_ROOT / name).is_dir() else shutil.copyfile
        copy(REPO_ROOT / name, course / name)
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1"}
    command = [str(REPO_ROOT / ".venv" / "bin" / "course"), "release", "--check"]
    if not os.path.exists(command[0]):
        command[0:1] = [sys.executable, "-m", "autograder.cli"]
    done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "assignments/ is current" in done.stdout
    assert (course / "build").is_dir() is False  # --check builds in a temporary folder

    data = course / "assignments" / "a1" / "tests" / "conv_forward.json"
    text = json.loads(data.read_text())
    case = text["tests"]["worked_example"]["cases"][0]
    first = case["reference"]["values"]["expected"]["__array__"][0][0]
    first[0] = first[0] + 1e-3
    data.write_text(json.dumps(text, indent=2))
    done = subprocess.run(command + ["a1"], cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode != 0
    assert "assignments/a1/tests/conv_forward.json: .tests.worked_example.cases[0].reference.values.expected" \
        in " ".join(done.stderr.split())


def _seeded_public_cases(master):
    return [(t, c) for q in master.questions.values() for t in q.tests if not t.hidden for c in t.cases
            if c.seed is not None]


def test_every_seeded_public_case_has_committed_inputs(masters):
    """The lock files beside the masters hold the inputs of every public case written with a seed."""
    from autograder.release.frozen import FrozenInputs

    for master in masters.values():
        lock = FrozenInputs.of(master)
        for test, case in _seeded_public_cases(master):
            entry = lock.stored.get(FrozenInputs.key(test, case))
            assert entry and entry["params"] == case.params and entry["seed"] == case.seed, \
                f"{FrozenInputs.key(test, case)} not frozen: run `course release`"


def test_frozen_inputs_are_read_back_not_regenerated(masters, tmp_path, monkeypatch):
    """Once frozen, a public case's inputs come from the lock file even if numpy's stream changed."""
    import numpy as np

    from autograder.cases import decode
    from autograder.release.frozen import FrozenInputs

    test, case = _seeded_public_cases(masters["a1"])[0]
    lock = FrozenInputs(tmp_path / "a1.inputs.json")
    first = lock.case(test, case)
    assert first.seed is None and lock.problems() == [f"a1.inputs.json: {test.id}/{case.id} is not frozen yet"]
    lock.write()

    monkeypatch.setattr(np.random, "default_rng", lambda seed: np.random.Generator(np.random.PCG64(seed + 1)))
    again = FrozenInputs(tmp_path / "a1.inputs.json")
    assert again.case(test, case).inputs == first.inputs and again.problems() == []
    changed = again.case(test, type(case)(id=case.id, params=case.params, seed=case.seed + 1))
    assert not all(np.array_equal(a, b) for a, b in zip(decode(changed.inputs).values(), decode(first.inputs).values()))
    assert again.problems() == [f"a1.inputs.json: {test.id}/{case.id} changed (params or seed)"]
