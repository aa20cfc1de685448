"""Shared fixtures: the course, the masters, one fresh release per assignment built into a temp folder."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder import samples as sample_defs
from autograder.config import load_course
from autograder.master import load_master
from autograder.release.pipelines import build, load_release
from autograder.runner import run_test

ASSIGNMENTS = [a.id for a in load_course().assignments]


@pytest.fixture(scope="session")
def course():
    return load_course()


@pytest.fixture(scope="session")
def masters(course):
    return {a: load_master(course, a) for a in ASSIGNMENTS}


@pytest.fixture(scope="session")
def built(course, tmp_path_factory):
    """assignment id -> Build, released into a temp folder (the repo's assignments/ is left alone)."""
    root = tmp_path_factory.mktemp("course")
    return {a: build(course, a, release_root=root / "assignments", build_root=root / "build") for a in ASSIGNMENTS}


@pytest.fixture(scope="session")
def sample_notebooks(built, masters, tmp_path_factory):
    """assignment id -> folder of sample submissions (.ipynb) made from the fresh release."""
    folders = {}
    for a, b in built.items():
        folder = tmp_path_factory.mktemp(f"samples-{a}")
        release_nb = load_release(a, b.notebook, release_root=b.release_dir.parent)
        for sample in sample_defs.load_samples(a):
            (folder / f"{sample.name}.ipynb").write_text(sample_defs.notebook(sample, masters[a], release_nb))
        folders[a] = folder
    return folders


def library_results(master, namespace) -> dict[str, dict]:
    """Run every test of an assignment in-process against a namespace: test id -> {passed, message, ...}."""
    results = {}
    for question in master.questions.values():
        for spec in question.tests:
            r = run_test(spec, namespace)
            results[r.id] = {"passed": r.passed, "message": r.message, "mistake": r.mistake, "status": r.status,
                             "hidden": r.hidden, "score": r.score, "points": r.points}
    return results


def read_nb(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="session")
def solutions_namespace(masters):
    """Every reference implementation of every assignment, executed like a filled notebook."""
    from autograder.release.implement import render

    ns = {"__name__": "__main__"}
    exec("import numpy as np", ns)
    for master in masters.values():
        for impl in master.implements:
            exec(render(impl, "solution"), ns)
    return ns
