"""Grades as an LMS imports them: Canvas's gradebook CSV, Moodle's grading worksheet, or a plain CSV.

One row per student, no pseudo-rows (no "Points Possible"); a submission without points has an empty grade cell
(the LMS leaves the grade alone), never 0. Student identifiers come from the roster discovery wrote (students.json):
the LMS download's or Gradescope's own ids.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .gradebook import fmt
from .results import SubmissionResult, write_atomic
from .text import csv_cell

FORMATS = ("canvas", "moodle", "plain")
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Feedback comments"]
PLAIN_HEADER = ["student", "name", "email", "score", "max_score", "status"]


def load_roster(out_dir: Path) -> dict[str, dict]:
    """students.json of a grading run ({} when absent: then the student ids are all there is)."""
    path = out_dir / "students.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def canvas_column(title: str, lms_assignment_id: str | None) -> str:
    """Canvas names a gradebook column "<assignment name> (<assignment id>)"; without an id it makes a new one."""
    return f"{title} ({lms_assignment_id})" if lms_assignment_id else title


class LmsExport:
    """One grading run's results as a CSV for one LMS."""

    def __init__(self, results: list[SubmissionResult], roster: dict[str, dict], possible: float, title: str,
                 lms_assignment_id: str | None = None):
        self.results = sorted(results, key=lambda r: r.student)
        self.roster, self.possible, self.title = roster, possible, title
        self.lms_assignment_id = lms_assignment_id

    def _who(self, result: SubmissionResult) -> dict:
        return self.roster.get(result.student, {})

    @staticmethod
    def _grade(result: SubmissionResult) -> str:
        return fmt(result.score) if result.graded else ""

    def rows(self, kind: str) -> list[list[str]]:
        if kind == "canvas":
            header = [*CANVAS_HEADER, canvas_column(self.title, self.lms_assignment_id)]
            body = [[self._who(r).get("name", r.student), self._who(r).get("canvas_user_id", ""),
                     self._who(r).get("sid", ""), self._who(r).get("sis_login_id", ""), "", self._grade(r)]
                    for r in self.results]
        elif kind == "moodle":
            header = MOODLE_HEADER
            body = [[f"Participant {pid}" if (pid := self._who(r).get("moodle_participant_id")) else "",
                     self._who(r).get("name", r.student), self._who(r).get("email", ""), self._grade(r),
                     fmt(self.possible), "" if r.status == "graded" else f"{r.status}: {r.message}"]
                    for r in self.results]
        elif kind == "plain":
            header = PLAIN_HEADER
            body = [[r.student, self._who(r).get("name", r.student), self._who(r).get("email", ""), self._grade(r),
                     fmt(self.possible), "graded" if r.status == "graded" else f"{r.status}: {r.message}"]
                    for r in self.results]
        else:
            raise ValueError(f"unknown LMS format {kind!r}; known: {', '.join(FORMATS)}")
        return [header, *body]

    def csv(self, kind: str) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        rows = self.rows(kind)
        writer.writerow(rows[0])
        writer.writerows([[csv_cell(cell) for cell in row] for row in rows[1:]])
        return out.getvalue()

    def write(self, out_dir: Path, kind: str) -> Path:
        path = out_dir / f"grades_{kind}.csv"
        write_atomic(path, self.csv(kind))
        return path
