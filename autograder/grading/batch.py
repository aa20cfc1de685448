"""Grading a folder of submissions: resumable, parallel, every result written as soon as it exists.

A file that cannot be read, or a failure of the grader on one submission, becomes a row with its reason and no
points; the batch goes on, and the gradebook is always written, even when the run is interrupted. A submission
that a time limit stopped while others were graded beside it is graded once more, alone, so that a busy machine
never costs a student points.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..cases import TestSpec
from .engine import Engine
from .gradebook import gradebook_csv, write_feedback
from .results import SubmissionResult, grading_key, submission_key, write_atomic
from .submissions import InputLimits, Submission, SubmissionError, discover


@dataclass
class BatchReport:
    results: list[SubmissionResult]
    graded: int                 # graded in this run
    reused: int                 # unchanged since an earlier run
    gradebook: Path
    feedback_dir: Path

    @property
    def not_graded(self) -> list[SubmissionResult]:
        """Rows without points: unreadable files and the grader's own failures."""
        return [r for r in self.results if not r.graded]


def _progress():
    """A rich progress bar on a terminal; silence elsewhere (CI logs, pipes). Student names are never markup."""
    if not sys.stdout.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.description}", markup=False))


def hit_a_time_limit(result: SubmissionResult) -> bool:
    """Whether a time limit stopped any of the result's grading (the whole submission, or one test)."""
    return result.status == "timeout" or any(t.status == "timeout" for t in result.tests)


class Batch:
    """One run over a folder: which submissions need grading, grading them safely, and the class's results."""

    def __init__(self, engine: Engine, out_dir: Path, questions: dict[str, float], tests: list[TestSpec], title: str,
                 config: dict | None = None):
        self.engine, self.questions, self.tests, self.title = engine, questions, tests, title
        self.config = config or {}
        self.results_dir, self.feedback_dir = out_dir / "results", out_dir / "feedback"
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.feedback_dir.mkdir(parents=True, exist_ok=True)
        self.gradebook = out_dir / "final_grades.csv"

    def key(self, submission: Submission) -> str:
        # a result graded without the sandbox (--no-sandbox) is never reused by a sandboxed run, nor the reverse
        engine = self.engine.name + (" (no sandbox)" if self.engine.isolation.startswith("NO SANDBOX") else "")
        return submission_key(submission.content_hash, self._grading_key(engine))

    @functools.lru_cache(maxsize=4)
    def _grading_key(self, engine: str) -> str:
        """The class-wide part of every key (tests, points, settings, library): computed once, not per student."""
        return grading_key(engine, self.questions, self.tests, self.config)

    def without_points(self, submission: Submission, status: str, message: str) -> SubmissionResult:
        return SubmissionResult(assignment=self.tests[0].assignment if self.tests else "", student=submission.student,
                                file=submission.file, content_hash=submission.content_hash, engine=self.engine.name,
                                status=status, message=message, isolation=self.engine.isolation)

    def grade_one(self, submission: Submission) -> SubmissionResult:
        """The engine's result, or a row saying why there is none: never an exception."""
        started = time.perf_counter()
        try:
            submission.read()  # every engine gets only files that are notebooks, read within the limits
        except SubmissionError as exc:
            return self.without_points(submission, "unreadable", str(exc))
        try:
            result = self.engine.grade(submission)
        except Exception as exc:  # noqa: BLE001 - one submission's failure of the grader must not stop the class
            result = self.without_points(submission, "not_graded", "internal error in the grader, not in your code "
                                         f"({type(exc).__name__}: {exc}); it will be graded again on the next run")
        result.duration_s = result.duration_s or round(time.perf_counter() - started, 3)
        return result

    def store(self, submission: Submission, result: SubmissionResult) -> SubmissionResult:
        result.key, result.student, result.file = self.key(submission), submission.student, submission.file
        result = result.bounded()
        result.save(self.results_dir)
        write_feedback(self.feedback_dir, result, self.title)
        return result

    def reusable(self, submission: Submission) -> SubmissionResult | None:
        previous = SubmissionResult.load(self.results_dir, submission.student, key=self.key(submission))
        return previous if previous and previous.status != "not_graded" else None

    def write_gradebook(self, submissions: list[Submission], done: dict[str, SubmissionResult]) -> None:
        missing = "the run was interrupted before this submission was graded; run again to grade it"
        rows = [done.get(s.student) or self.without_points(s, "not_graded", missing) for s in submissions]
        write_atomic(self.gradebook, gradebook_csv(self.questions, self.tests, rows))


def grade_folder(engine: Engine, folder: Path, out_dir: Path, questions: dict[str, float], tests: list[TestSpec],
                 title: str, force: bool = False, jobs: int = 1,
                 on_result: Callable[[SubmissionResult], None] | None = None,
                 limits: InputLimits | None = None, config: dict | None = None) -> BatchReport:
    """Grade every submission in `folder` into `out_dir` (results/, feedback/, final_grades.csv).

    A stored result is reused (unless `force`) only when its key matches: content, engine, `questions`, `tests`,
    `config` (the course's grading settings) and the library's source. A run killed halfway keeps every result
    already written, and the next run finishes the rest. Raises NoSubmissionsError when there is nothing to grade.
    """
    return grade_submissions(engine, discover(folder, limits), out_dir, questions, tests, title, force, jobs,
                             on_result, config)


def grade_submissions(engine: Engine, submissions: list[Submission], out_dir: Path, questions: dict[str, float],
                      tests: list[TestSpec], title: str, force: bool = False, jobs: int = 1,
                      on_result: Callable[[SubmissionResult], None] | None = None,
                      config: dict | None = None) -> BatchReport:
    """grade_folder's work, on submissions already found (by discover, or by another layout's discovery)."""
    batch = Batch(engine, out_dir, questions, tests, title, config)
    done: dict[str, SubmissionResult] = {}
    todo = []
    for submission in submissions:
        if submission.problem:
            done[submission.student] = batch.store(submission, batch.without_points(
                submission, "unreadable", submission.problem))
        elif previous := (None if force else batch.reusable(submission)):
            done[submission.student] = previous
        else:
            todo.append(submission)

    progress = _progress()
    try:
        if todo:
            engine.prepare()  # e.g. every torch reference, once, before any student code runs
        task = progress.add_task("", total=len(todo)) if progress else None
        if progress:
            progress.start()
        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            futures = {pool.submit(batch.grade_one, s): s for s in todo}
            for future in as_completed(futures):
                submission = futures[future]
                result = batch.store(submission, future.result())
                done[submission.student] = result
                if on_result:
                    on_result(result)
                if progress:
                    progress.update(task, advance=1, description=submission.student)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # interrupted: what has not started does not start
        for submission in todo:  # the grader could not run it (e.g. no resources beside the others): again, alone
            if done[submission.student].status == "not_graded" or (jobs > 1 and len(todo) > 1 and hit_a_time_limit(
                    done[submission.student])):
                done[submission.student] = batch.store(submission, batch.grade_one(submission))
    finally:
        if progress:
            progress.stop()
        engine.close()
        batch.write_gradebook(submissions, done)
    results = [done[s.student] for s in submissions]
    return BatchReport(results=results, graded=len(todo), reused=len(submissions) - len(todo) -
                       sum(1 for s in submissions if s.problem), gradebook=batch.gradebook,
                       feedback_dir=batch.feedback_dir)
