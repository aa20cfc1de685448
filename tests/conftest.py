"""Shared fixtures: the course, the masters, the committed releases (cheap), one fresh release per assignment built
into a temp folder (otter and nbgrader: integration tests only), and CI's rule that nothing may skip."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import samples as sample_defs
from autograder.config import CourseRoot, load_course
from autograder.master import load_master
from autograder.release.pipelines import build, load_release
from autograder.runner import run_test

pytest_plugins = ["pytester"]  # test_tiers.py runs pytest inside pytest

REPO_ROOT = Path(__file__).resolve().parent.parent  # this repository: the course the tests exercise
CourseRoot.choose(REPO_ROOT)  # whatever folder pytest runs from
ASSIGNMENTS = [a.id for a in load_course().assignments]


@pytest.fixture(scope="session")
def course():
    return load_course()


@pytest.fixture(scope="session")
def masters(course):
    return {a: load_master(course, a) for a in ASSIGNMENTS}


def _skip_reason(report) -> str:
    return report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)


def _fail_skips_in_ci(report) -> None:
    """With CI=true a test that cannot run fails: CI must cover everything, so no skip is allowed."""
    if os.environ.get("CI", "").lower() == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI=true allows no skip (CI must run every test): {_skip_reason(report)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skips_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skips_in_ci(outcome.get_result())


@dataclass(frozen=True)
class Release:
    """A student release folder (assignments/<id>/) and its notebook's file name."""

    assignment_id: str
    notebook: str
    release_dir: Path


@pytest.fixture(scope="session")
def released(course):
    """assignment id -> the committed release (no build: `course release --check` keeps it current)."""
    return {a.id: Release(a.id, a.notebook, REPO_ROOT / "assignments" / a.id) for a in course.assignments}


@pytest.fixture(scope="session")
def built(course, tmp_path_factory):
    """assignment id -> Build, released into a temp folder (the repo's assignments/ is left alone)."""
    root = tmp_path_factory.mktemp("course")
    return {a: build(course, a, release_root=root / "assignments", build_root=root / "build") for a in ASSIGNMENTS}


@pytest.fixture(scope="session")
def sample_notebooks(released, masters, tmp_path_factory):
    """assignment id -> folder of sample submissions (.ipynb) made from the committed release."""
    folders = {}
    for a, b in released.items():
        folder = tmp_path_factory.mktemp(f"samples-{a}")
        release_nb = load_release(a, b.notebook, release_root=b.release_dir.parent)
        for sample in sample_defs.load_samples(a):
            (folder / f"{sample.name}.ipynb").write_text(sample_defs.notebook(sample, masters[a], release_nb))
        folders[a] = folder
    return folders


def library_results(master, namespace, select=None) -> dict[str, dict]:
    """Run every test of an assignment (or those `select(spec)` accepts) in-process against a namespace:
    test id -> {passed, message, ...}."""
    results = {}
    for question in master.questions.values():
        for spec in filter(select, question.tests):
            r = run_test(spec, namespace, explain_failure=False)  # expectations need no smallest-configuration search
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
