"""Grading a folder of submissions: resumable, parallel, every result written as soon as it exists."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..cases import TestSpec
from .gradebook import gradebook_csv, write_feedback
from .results import SubmissionResult, write_atomic
from .submissions import discover


@dataclass
class BatchReport:
    results: list[SubmissionResult]
    graded: int                 # graded in this run
    reused: int                 # unchanged since an earlier run
    gradebook: Path
    feedback_dir: Path


def _progress(total: int):
    """A rich progress bar on a terminal; silence elsewhere (CI logs, pipes)."""
    if not sys.stdout.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"))
    return progress


def grade_folder(engine, folder: Path, out_dir: Path, questions: dict[str, float], tests: list[TestSpec],
                 title: str, force: bool = False, jobs: int = 1,
                 on_result: Callable[[SubmissionResult], None] | None = None) -> BatchReport:
    """Grade every submission in `folder` into `out_dir` (results/, feedback/, final_grades.csv).

    A submission whose stored result has the same content hash and engine is not graded again unless `force`;
    a run killed halfway keeps every result already written, and the next run finishes the rest.
    """
    submissions = discover(folder)
    results_dir, feedback_dir = out_dir / "results", out_dir / "feedback"
    results_dir.mkdir(parents=True, exist_ok=True)
    feedback_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, SubmissionResult] = {}
    todo = []
    for submission in submissions:
        previous = None if force else SubmissionResult.load(results_dir, submission.student)
        if previous and previous.content_hash == submission.content_hash and previous.engine == engine.name:
            done[submission.student] = previous
        else:
            todo.append(submission)

    def finish(result: SubmissionResult) -> None:
        result.save(results_dir)
        write_feedback(feedback_dir, result, title)
        done[result.student] = result
        if on_result:
            on_result(result)

    if todo and hasattr(engine, "prepare"):
        engine.prepare()  # e.g. every torch reference, once, before any student code runs
    progress = _progress(len(todo))
    task = progress.add_task("", total=len(todo)) if progress else None
    if progress:
        progress.start()
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(engine.grade, s): s for s in todo}
            for future in as_completed(futures):
                finish(future.result())
                if progress:
                    progress.update(task, advance=1, description=futures[future].student)
    finally:
        if progress:
            progress.stop()
        if hasattr(engine, "close"):
            engine.close()
    results = [done[s.student] for s in submissions]
    gradebook = out_dir / "final_grades.csv"
    write_atomic(gradebook, gradebook_csv(questions, tests, results))
    return BatchReport(results=results, graded=len(todo), reused=len(submissions) - len(todo),
                       gradebook=gradebook, feedback_dir=feedback_dir)
