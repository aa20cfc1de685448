"""The class's results: otter's final_grades.csv layout with one column per test added, and feedback files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..cases import TestSpec
from ..feedback import fmt as fmt_short
from ..feedback import render_html, render_text
from .results import SubmissionResult, file_stem, write_atomic
from .text import bounded_file, csv_cell, visible

POINTS_ROW = "points-per-question"  # otter's label for the first row


def fmt(points: float) -> str:
    """Points in a gradebook: exact enough to add up (1/3 -> 0.3333), without float noise."""
    return f"{points:.4f}".rstrip("0").rstrip(".")


def gradebook_csv(questions: dict[str, float], tests: list[TestSpec], results: list[SubmissionResult]) -> str:
    """file, <questions sorted>, total_points_earned, percent_correct, grading_status, <question.test ...>."""
    question_names = sorted(questions)
    test_ids = [t.id for t in tests]
    possible = round(sum(questions.values()), 6)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", *question_names, "total_points_earned", "percent_correct", "grading_status", *test_ids])
    writer.writerow([POINTS_ROW, *(fmt(questions[q]) for q in question_names), fmt(possible), 1, "--",
                     *(fmt(t.points) for t in tests)])
    for result in sorted(results, key=lambda r: r.student):
        writer.writerow([csv_cell(cell) for cell in _row(result, question_names, test_ids, possible)])
    return out.getvalue()


def status_text(result: SubmissionResult) -> str:
    """Completed, or why not: "not graded: <reason>" for rows without points, "<status>: <reason>" otherwise."""
    if result.status == "graded":
        if result.isolation.startswith("NO SANDBOX"):  # course grade --no-sandbox: the gradebook says so too
            return "Completed, NO SANDBOX (student code ran without isolation)"
        return "Completed"
    label = "not graded" if not result.graded else result.status
    message = result.message.removeprefix(f"{label}: ")
    return visible(f"{label}: {message}")


def _row(result: SubmissionResult, question_names: list[str], test_ids: list[str], possible: float) -> list:
    """One submission's row; a submission without points (unreadable, the grader's failure) has EMPTY point cells."""
    if not result.graded:
        return [visible(result.file), *([""] * len(question_names)), "", "", status_text(result),
                *([""] * len(test_ids))]
    by_question = {q: 0.0 for q in question_names}
    by_test = {t.id: t.score for t in result.tests}
    for t in result.tests:
        by_question[t.question] = by_question.get(t.question, 0.0) + t.score
    return [visible(result.file), *(fmt(by_question[q]) for q in question_names), fmt(result.score),
            round(result.score / possible, 4) if possible else 0, status_text(result),
            *(fmt(by_test.get(t, 0.0)) for t in test_ids)]


def write_feedback(folder: Path, result: SubmissionResult, title: str) -> tuple[Path, Path]:
    """feedback/<student>.html and .txt: scores, messages, likely mistakes; never test source or hidden inputs.

    Each file is cut at 1 MiB with a marker (its texts are already bounded one by one)."""
    possible = fmt_short(sum(t.points for t in result.tests))
    if result.graded:
        note = "" if result.status == "graded" else f"Grading could not finish: {result.message}"
        heading = f"{title}: {result.student}, {fmt_short(result.score)} / {possible} points"
    else:
        note = f"Your submission could not be graded: {result.message}"
        heading = f"{title}: {result.student}, not graded"
    stem = file_stem(result.student)
    html_path, text_path = folder / f"{stem}.html", folder / f"{stem}.txt"
    write_atomic(html_path, bounded_file(render_html(result.tests, heading, note, result.notes)))
    write_atomic(text_path, bounded_file(render_text(result.tests, heading, note, result.notes) + "\n"))
    return html_path, text_path
