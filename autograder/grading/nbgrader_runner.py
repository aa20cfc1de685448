"""Grading a folder with nbgrader (autograde, generate_feedback, export), guarded against nbgrader's silent zeros.

nbgrader scores a check cell 0 when it raises, so a grading kernel that cannot import the course library gives
every student 0 while `autograde` exits 0. We check the import first, and afterwards look for import errors in
every check cell: when every submission shows them the environment is broken and the run stops with a message;
when only some do (a student's code can break imports in its own kernel), those students are flagged for review.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .notebook_code import locked_cell_notes
from .discovery import discover_class
from .submissions import SubmissionError, notebook_text
from .text import bounded_list

IMPORT_FAILURES = ("ModuleNotFoundError", "ImportError")


class NbgraderGradingError(RuntimeError):
    """nbgrader could not grade the class correctly; the message says what to fix."""


@dataclass
class NbgraderReport:
    scores: dict[str, float]          # student -> score
    max_score: float
    rejected: dict[str, str]          # student -> why the submission was not graded
    flagged: dict[str, list[str]]     # student -> check cells that could not import the grading code
    notes: dict[str, list[str]]       # student -> code typed into locked cells, which autograde restores
    grades_csv: Path
    feedback_dir: Path


def _nbgrader(args: list[str], root: Path) -> str:
    from ..tools import tool_environment

    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True,
                          env=tool_environment())
    if done.returncode != 0:
        raise NbgraderGradingError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout + done.stderr


def preflight() -> None:
    """The grading kernel must import the course library and otter, or every check cell would score 0."""
    from ..tools import tool_environment

    done = subprocess.run([sys.executable, "-c", "import autograder.notebook, otter"], capture_output=True,
                          text=True, env=tool_environment())
    if done.returncode != 0:
        raise NbgraderGradingError("the grading kernel cannot import the course library (autograder) or otter; "
                                   "install the course (pip install -e .) in the kernel's environment:\n"
                                   + done.stderr.strip().splitlines()[-1])


def import_failures(notebook: nbformat.NotebookNode) -> list[str]:
    """Check cells whose output is an import error: signs of a broken grading environment, not a student bug."""
    found = []
    for cell in notebook.cells:
        if not cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in IMPORT_FAILURES:
                found.append(f"{cell.metadata['nbgrader']['grade_id']}: {output['ename']}: {output.get('evalue')}")
    return found


def add_notes(feedback_html: Path, notes: list[str]) -> None:
    """Put notes on the notebook (escaped, bounded) at the top of nbgrader's feedback page, once."""
    page = feedback_html.read_text(encoding="utf-8")
    if 'class="course-notes"' in page:
        return
    items = "".join(f"<li>{html.escape(n)}</li>" for n in bounded_list(notes))
    block = f'<div class="course-notes"><p>Notes on your notebook:</p><ul>{items}</ul></div>'
    page, found = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + block, page, count=1)
    feedback_html.write_text(page if found else block + page, encoding="utf-8")


def _unchanged(path: Path, text: str) -> bool:
    """Does nbgrader's submitted/ already hold exactly this notebook (a re-run, or its own layout passed in)?"""
    try:
        return path.is_file() and not path.is_symlink() and path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def only_graded_assignments(grades_csv: Path, root: Path) -> None:
    """Keep the export's rows of assignments someone was autograded in (not every released one, all zeros)."""
    graded = {p.name for p in (root / "autograded").glob("*/*") if p.is_dir()}
    with grades_csv.open(newline="") as f:
        rows = list(csv.reader(f))
    if not rows or "assignment" not in rows[0]:
        return
    column = rows[0].index("assignment")
    kept = [rows[0]] + [r for r in rows[1:] if len(r) > column and r[column] in graded]
    with grades_csv.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(kept)


def grade_with_nbgrader(root: Path, assignment_id: str, notebook: str, folder: Path, out_dir: Path) -> NbgraderReport:
    """Copy submissions into nbgrader's submitted/ folder, autograde, check for silent zeros, feedback, export."""
    preflight()
    rejected, notes = {}, {}
    submissions = discover_class(folder, assignment_id, notebook, staging=out_dir / "inbox").submissions
    for submission in submissions:
        target = root / "submitted" / submission.student / assignment_id
        try:
            nb = submission.read()
        except SubmissionError as exc:
            rejected[submission.student] = str(exc)
            continue
        if locked := locked_cell_notes(nb):  # autograde restores locked cells with only a log warning
            notes[submission.student] = locked
        text = notebook_text(submission.path, submission.limits)
        if _unchanged(target / notebook, text) and (root / "autograded" / submission.student / assignment_id).is_dir():
            continue  # graded in an earlier run from the same notebook: left untouched
        for state in ("autograded", "feedback"):  # a new or changed submission is graded (and fed back) afresh
            shutil.rmtree(root / state / submission.student / assignment_id, ignore_errors=True)
        if target.exists() and not _unchanged(target / notebook, text):
            shutil.rmtree(target)
        target.mkdir(parents=True, exist_ok=True)
        (target / notebook).write_text(text, encoding="utf-8")
    _nbgrader(["autograde", assignment_id], root)  # without --force: only submissions not autograded yet
    graded = {s.student for s in submissions} - set(rejected)
    flagged = {}
    for student in sorted(graded):
        path = root / "autograded" / student / assignment_id / notebook
        failures = import_failures(nbformat.read(path, as_version=4)) if path.is_file() else ["not autograded"]
        if failures:
            flagged[student] = failures
    if graded and set(flagged) == graded:
        detail = "\n  ".join(f"{s}: {f[0]}" for s, f in flagged.items())
        raise NbgraderGradingError("every submission's check cells failed to import the grading code, so their "
                                   "zeros are not the students' (fix the kernel's environment and grade again):\n  "
                                   + detail)
    _nbgrader(["generate_feedback", assignment_id], root)  # only where there is none yet (new or changed)
    for student, student_notes in notes.items():
        page = root / "feedback" / student / assignment_id / notebook.replace(".ipynb", ".html")
        if page.is_file():
            add_notes(page, student_notes)
    out_dir.mkdir(parents=True, exist_ok=True)
    grades_csv = out_dir / "nbgrader_grades.csv"
    _nbgrader(["export", "--to", str(grades_csv)], root)
    only_graded_assignments(grades_csv, root)
    scores, max_score = {}, 0.0
    with grades_csv.open() as f:
        for row in csv.DictReader(f):
            if row["assignment"] == assignment_id and row["student_id"] in {s.student for s in submissions}:
                scores[row["student_id"]] = float(row["score"])
                max_score = float(row["max_score"])
    return NbgraderReport(scores=scores, max_score=max_score, rejected=rejected, flagged=flagged, notes=notes,
                          grades_csv=grades_csv, feedback_dir=root / "feedback")
