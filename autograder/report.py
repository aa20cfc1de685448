"""The class report: one self-contained HTML page (score histogram as inline SVG) and the same numbers as JSON.

Every number is computed from the stored results of one grading run: scores of the graded submissions, the share
of students failing each question and test, the named mistakes and who made them, the submissions without points
and why, time per submission and the isolation in force.
"""

from __future__ import annotations

import io
import json
import statistics
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .cases import TestSpec
from .grading.results import SubmissionResult
from .mistakes import named_in, short_name

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"),
                          autoescape=jinja2.select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
BINS = 10


def _round(value: float) -> float:
    return round(float(value), 4)


def mistake_of(test) -> str | None:
    """The short name of the mistake a failed test names, or None."""
    if test.passed:
        return None
    if test.mistake:
        try:
            return short_name(test.mistake)
        except KeyError:
            pass
    return named_in(test.message)


@dataclass
class ClassReport:
    """The numbers of one assignment's grading run, computed from its results."""

    assignment: str
    title: str
    questions: dict[str, float]
    tests: list[TestSpec]
    results: list[SubmissionResult]

    @property
    def graded(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.status == "graded"]

    @property
    def possible(self) -> float:
        return round(sum(self.questions.values()), 6)

    def histogram(self) -> dict:
        """Counts of graded scores in BINS equal bins over [0, possible] (the last bin holds full marks)."""
        edges = [_round(self.possible * i / BINS) for i in range(BINS + 1)]
        counts = [0] * BINS
        for r in self.graded:
            index = min(BINS - 1, int(r.score / self.possible * BINS)) if self.possible else 0
            counts[max(0, index)] += 1
        return {"edges": edges, "counts": counts}

    def _share(self, failing: int) -> float:
        return _round(failing / len(self.graded)) if self.graded else 0.0

    def question_numbers(self) -> dict:
        out = {}
        for question, points in sorted(self.questions.items()):
            failing = [r.student for r in self.graded
                       if any(t.question == question and not t.passed for t in r.tests)]
            out[question] = {"points": points, "failing": len(failing), "share_failing": self._share(len(failing))}
        return out

    def test_numbers(self) -> dict:
        out = {}
        for spec in self.tests:
            failing = [r.student for r in self.graded
                       if any(t.id == spec.id and not t.passed for t in r.tests)]
            out[spec.id] = {"points": spec.points, "hidden": spec.hidden, "failing": len(failing),
                            "share_failing": self._share(len(failing))}
        return out

    def mistakes(self) -> list[dict]:
        """Named mistakes, most common first: how many students made each, and who."""
        who: dict[str, set[str]] = {}
        for r in self.graded:
            for t in r.tests:
                if name := mistake_of(t):
                    who.setdefault(name, set()).add(r.student)
        return [{"mistake": m, "count": len(s), "students": sorted(s)}
                for m, s in sorted(who.items(), key=lambda item: (-len(item[1]), item[0]))]

    def numbers(self) -> dict:
        scores = [r.score for r in self.graded]
        times = [r.duration_s for r in self.results if r.duration_s]
        return {
            "assignment": self.assignment, "title": self.title, "possible": self.possible,
            "submissions": len(self.results), "graded": len(self.graded),
            "mean": _round(statistics.fmean(scores)) if scores else None,
            "median": _round(statistics.median(scores)) if scores else None,
            "scores": {r.student: r.score for r in sorted(self.graded, key=lambda r: r.student)},
            "histogram": self.histogram(),
            "questions": self.question_numbers(), "tests": self.test_numbers(), "mistakes": self.mistakes(),
            "not_graded": [{"student": r.student, "file": r.file, "status": r.status, "reason": r.message}
                           for r in sorted(self.results, key=lambda r: r.student) if r.status != "graded"],
            "time_s": {"mean": _round(statistics.fmean(times)) if times else None,
                       "median": _round(statistics.median(times)) if times else None,
                       "max": _round(max(times)) if times else None, "total": _round(sum(times))},
            "isolation": sorted({r.isolation for r in self.results if r.isolation}),
        }

    def histogram_svg(self) -> str:
        """The score histogram as an inline SVG (matplotlib, no files, no scripts)."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        matplotlib.rcParams["svg.hashsalt"] = "course-report"   # the same results give the same SVG
        histogram = self.histogram()
        edges = histogram["edges"]
        fig, ax = plt.subplots(figsize=(6, 3))
        try:
            width = (edges[1] - edges[0]) if len(edges) > 1 else 1
            ax.bar(edges[:-1], histogram["counts"], width=width, align="edge", color="#4c72b0", edgecolor="white")
            ax.set_xlabel(f"score (of {self.possible:g})")
            ax.set_ylabel("students")
            ax.set_title(f"{self.assignment}: scores of {len(self.graded)} graded submissions")
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)
        svg = buffer.getvalue()
        return svg[svg.index("<svg"):]

    def html(self) -> str:
        return _ENV.get_template("class_report.html.j2").render(n=self.numbers(), svg=self.histogram_svg())

    def write(self, html_path: Path, json_path: Path | None = None) -> tuple[Path, Path]:
        from .grading.results import write_atomic

        json_path = json_path or html_path.with_suffix(".json")
        write_atomic(html_path, self.html())
        write_atomic(json_path, json.dumps(self.numbers(), indent=1, sort_keys=True))
        return html_path, json_path


def load_results(results_dir: Path, assignment: str) -> list[SubmissionResult]:
    """Every sound stored result of `assignment` in a results folder (damaged files are left out)."""
    results = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            result = SubmissionResult.from_json(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a damaged file is not part of the report
            continue
        if result.assignment == assignment:
            results.append(result)
    return results
