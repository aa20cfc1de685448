"""How fast each engine grades a class: the course's sandbox, `otter run` per submission, nbgrader autograde.

Builds N submissions for assignment 1 (a mix of correct, partly wrong and untouched notebooks from the bundled
samples), grades all of them with each engine in one run, and prints seconds per submission and the ratios.
Every engine grades sequentially (-j 1) so the figures compare the engines, not the cores; the sandbox is also
timed with -j 2 on this 2-core machine. `--sandbox-only` times only the sandbox (for large classes: `--n 1000`).
Without a sandbox (no bubblewrap or user namespaces) it refuses to report a figure.

    .venv/bin/python benchmarks/grading_speed.py --n 30
    .venv/bin/python benchmarks/grading_speed.py --n 1000 --sandbox-only
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.config import load_course
from autograder.grading.batch import grade_folder
from autograder.grading.nbgrader_runner import NbgraderState, grade_with_nbgrader
from autograder.grading.otter_engine import OtterRunEngine
from autograder.sandbox.engine import SandboxEngine, SandboxUnavailable
from autograder.master import load_master
from autograder.release.pipelines import all_tests, build, load_release
from autograder import samples as sample_defs

MIX = ["reference", "student_loops", "kernel_flipped", "stride_ignored", "bias_missing", "untouched"]


def make_class(n: int, folder: Path, course) -> tuple:
    built = build(course, "a1", release_root=folder / "release", build_root=folder / "build")
    master = load_master(course, "a1")
    release_nb = load_release("a1", built.notebook, release_root=folder / "release")
    samples = {s.name: s for s in sample_defs.load_samples("a1")}
    submissions = folder / "submissions"
    submissions.mkdir()
    for i in range(n):
        name = MIX[i % len(MIX)]
        (submissions / f"student{i:03d}_{name}.ipynb").write_text(sample_defs.notebook(samples[name], master, release_nb))
    return built, master, submissions


def timed(label: str, function) -> float:
    started = time.perf_counter()
    function()
    seconds = time.perf_counter() - started
    print(f"  {label:<28s} {seconds:8.2f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="number of submissions (default 30)")
    parser.add_argument("--sandbox-only", action="store_true", help="time only the sandbox engine")
    args = parser.parse_args()
    course = load_course()
    settings = course.grading_for("a1")
    work = Path(tempfile.mkdtemp(prefix="grading-benchmark-"))
    try:
        built, master, submissions = make_class(args.n, work, course)
        tests, questions = all_tests(master), master.assignment.questions
        print(f"grading {args.n} submissions of a1 ({len(tests)} tests each)")
        try:
            sandbox = SandboxEngine(tests, settings, hide=[work])
        except SandboxUnavailable as exc:
            sys.exit(f"no figure without the sandbox: {exc}")
        print(f"isolation: {sandbox.isolation}")
        sandbox.prepare()  # torch references: computed once per run, before any submission (not timed)
        seconds = {"sandbox -j 2": timed("sandbox engine, -j 2", lambda: grade_folder(
            sandbox, submissions, work / "sandbox2", questions, tests, title="a1", jobs=2))}
        if args.sandbox_only:
            print(f"\n{args.n} submissions of a1 with -j 2: {seconds['sandbox -j 2']:.1f} s "
                  f"({seconds['sandbox -j 2'] / args.n:.3f} s each)")
            return
        second = SandboxEngine(tests, settings, hide=[work])
        second.prepare()
        seconds["sandbox"] = timed("sandbox engine, -j 1", lambda: grade_folder(
            second, submissions, work / "sandbox", questions, tests, title="a1", jobs=1))
        seconds["otter run"] = timed("otter run per submission", lambda: grade_folder(
            OtterRunEngine(built.otter_zip, tests, course.grading.submission_timeout_s), submissions,
            work / "otter", questions, tests, title="a1", jobs=1))
        nbgrader_root = work / "build" / "nbgrader"
        NbgraderState(nbgrader_root, work / "nbgrader-state").prepare("a1", built.notebook)  # once a term: untimed
        seconds["nbgrader"] = timed("nbgrader autograde", lambda: grade_with_nbgrader(
            nbgrader_root, "a1", built.notebook, submissions, work / "nbgrader-out", work / "nbgrader-state"))
        per = {engine: s / args.n for engine, s in seconds.items()}
        print(f"\nseconds per submission (n = {args.n}):")
        for engine, value in per.items():
            print(f"  {engine:<14s} {value:8.3f}")
        print("ratios (how many times faster the sandbox engine is, both -j 1):")
        print(f"  vs otter run   {per['otter run'] / per['sandbox']:8.1f}x   (target >= 10x)")
        print(f"  vs nbgrader    {per['nbgrader'] / per['sandbox']:8.1f}x   (target >= 3x)")
        print(f"isolation: {sandbox.isolation}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
