"""Scale-out on Dask: a LocalCluster of 2 worker processes grades a class exactly as the local engine does, a killed
worker loses nothing, and each worker computes the references once at most (never per student)."""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from autograder.grading.batch import grade_folder
from autograder.sandbox.engine import SandboxEngine
from autograder.release.pipelines import all_tests

pytestmark = pytest.mark.integration

CLASS_SIZE = 8


@pytest.fixture(scope="module")
def setting(course, masters):
    master = masters["a1"]
    return master, all_tests(master), course.grading_for("a1")


@pytest.fixture(scope="module")
def class_folder(sample_notebooks, tmp_path_factory):
    """Eight students (bundled samples; the reference solution and named mistakes among them)."""
    folder = tmp_path_factory.mktemp("dask-class")
    for path in sorted(sample_notebooks["a1"].glob("*.ipynb"))[:CLASS_SIZE]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local) as client:
        yield local, client


def grade(engine, folder, out, setting, **kwargs):
    master, tests, _ = setting
    return grade_folder(engine, folder, out, master.assignment.questions, tests, master.assignment.title,
                        jobs=2, **kwargs)


@pytest.fixture(scope="module")
def local_gradebook(class_folder, setting, tmp_path_factory):
    _, tests, settings = setting
    report = grade(SandboxEngine(tests, settings), class_folder, tmp_path_factory.mktemp("local"), setting)
    return report.gradebook.read_text()


def dask_engine(client, setting):
    from autograder.sandbox.distributed import DaskEngine, EngineSetup

    _, tests, settings = setting
    return DaskEngine(client, EngineSetup(tests, settings))


def test_a_cluster_grades_like_a_local_run_and_computes_references_once_per_worker(
        cluster, class_folder, setting, local_gradebook, tmp_path):
    _, client = cluster
    engine = dask_engine(client, setting)
    report = grade(engine, class_folder, tmp_path, setting)
    assert report.gradebook.read_text() == local_gradebook
    counts = engine.preparations()
    assert len(counts) == 2 and all(n <= 1 for n in counts.values()) and sum(counts.values()) < CLASS_SIZE


def test_a_worker_killed_mid_batch_loses_nothing(cluster, class_folder, setting, local_gradebook, tmp_path):
    _, client = cluster
    engine = dask_engine(client, setting)
    pids = client.run(os.getpid)
    killed = []

    def kill_one(result):
        if not killed:
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    report = grade(engine, class_folder, tmp_path, setting, on_result=kill_one)
    assert killed and not report.not_graded
    assert report.gradebook.read_text() == local_gradebook
    again = grade(dask_engine(client, setting), class_folder, tmp_path, setting)
    assert again.graded == 0 and again.gradebook.read_text() == local_gradebook   # resume: nothing regraded


def test_course_grade_with_a_scheduler_address(cluster, class_folder, local_gradebook, tmp_path):
    """`course grade --scheduler tcp://...` grades on the cluster and writes the same gradebook and the report."""
    from click.testing import CliRunner

    from autograder.cli import main

    local, _ = cluster
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", "a1", str(class_folder), "--out", str(out),
                                       "--scheduler", local.scheduler_address])
    assert result.exit_code in (0, 3), result.output
    assert "on the Dask worker tcp://" in result.output and (out / "report.html").is_file()
    assert (out / "final_grades.csv").read_text() == local_gradebook
