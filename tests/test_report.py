"""The class report: its numbers are checked against the results it was built from, and the page carries them."""

from __future__ import annotations

import json
import re
import statistics

import pytest

from autograder.grading.results import SubmissionResult
from autograder.release.pipelines import all_tests
from autograder.report import ClassReport, load_results
from autograder.runner import TestResult


def result_for(student, tests, failing: dict[str, str | None], status="graded", duration=1.0) -> SubmissionResult:
    """A stored result of the library's own types: tests in `failing` fail (with that mistake, or none)."""
    rows = [TestResult(assignment=t.assignment, question=t.question, name=t.name, description=t.description,
                       hidden=t.hidden, points=t.points, score=0.0 if t.id in failing else t.points,
                       status="failed" if t.id in failing else "passed", message="wrong values",
                       mistake=failing.get(t.id)) for t in tests]
    return SubmissionResult(assignment="a1", student=student, file=f"{student}.ipynb", content_hash=student,
                            engine="sandbox", status=status, tests=rows if status == "graded" else [],
                            message="" if status == "graded" else "not valid JSON", duration_s=duration,
                            isolation="sandboxed child (test)")


@pytest.fixture
def built_report(masters):
    master = masters["a1"]
    tests = all_tests(master)
    ids = [t.id for t in tests]
    results = [
        result_for("alice", tests, {}, duration=2.0),
        result_for("bob", tests, {ids[-1]: "kernel_flipped", ids[-2]: "kernel_flipped"}, duration=4.0),
        result_for("carol", tests, {ids[-1]: "kernel_flipped", ids[0]: None}, duration=3.0),
        result_for("dave", tests, {}, status="unreadable", duration=0.0),
    ]
    return ClassReport("a1", master.assignment.title, master.assignment.questions, tests, results), tests, results


def test_numbers_match_the_results(built_report):
    report, tests, results = built_report
    numbers = report.numbers()
    graded = [r for r in results if r.status == "graded"]
    scores = [r.score for r in graded]
    assert numbers["graded"] == 3 and numbers["submissions"] == 4
    assert numbers["mean"] == pytest.approx(statistics.fmean(scores), abs=1e-4)
    assert numbers["median"] == pytest.approx(statistics.median(scores), abs=1e-4)
    assert sum(numbers["histogram"]["counts"]) == 3
    for spec in tests:
        failing = sum(1 for r in graded for t in r.tests if t.id == spec.id and not t.passed)
        assert numbers["tests"][spec.id]["failing"] == failing
        assert numbers["tests"][spec.id]["share_failing"] == pytest.approx(failing / 3, abs=1e-4)
    for question, points in report.questions.items():
        failing = sum(1 for r in graded if sum(t.score for t in r.tests if t.question == question) < points - 1e-6)
        assert numbers["questions"][question]["failing"] == failing
    assert numbers["mistakes"] == [{"mistake": "kernel flipped", "count": 2, "students": ["bob", "carol"]}]
    assert numbers["not_graded"] == [{"student": "dave", "file": "dave.ipynb", "status": "unreadable",
                                      "reason": "not valid JSON"}]
    assert numbers["time_s"]["mean"] == pytest.approx(3.0) and numbers["time_s"]["max"] == 4.0
    assert numbers["isolation"] == ["sandboxed child (test)"]


def test_the_page_is_self_contained_and_shows_the_numbers(built_report, tmp_path):
    report, _, _ = built_report
    html_path, json_path = report.write(tmp_path / "report.html")
    page = html_path.read_text()
    numbers = json.loads(json_path.read_text())
    assert numbers == json.loads(json.dumps(report.numbers()))
    assert "<svg" in page and not re.search(r"<script|src=\"http|href=\"http", page)
    assert f'<span id="mean">{numbers["mean"]:.2f}</span>' in page
    assert "kernel flipped" in page and "bob, carol" in page and "not valid JSON" in page
    assert report.html() == page  # the same results give the same page


def test_load_results_reads_what_a_run_stored(built_report, tmp_path):
    _, _, results = built_report
    for r in results:
        r.save(tmp_path)
    (tmp_path / "broken.json").write_text("{")
    assert [r.student for r in load_results(tmp_path, "a1")] == ["alice", "bob", "carol", "dave"]


def test_feedback_reports_first_what_broke_the_notebook(masters):
    """A broken notebook's reason comes right after the heading, before the list of failed tests."""
    from autograder.feedback import render_html, render_text

    tests = all_tests(masters["a1"])
    broken = result_for("eve", tests, {t.id: None for t in tests})
    notes = ["cell 5 raised SyntaxError: expected ':' (<cell 5>, line 11)"]
    text = render_text(broken.tests, "A1: eve", "", notes).splitlines()
    assert text[1:3] == ["  notes on your notebook:", f"    - {notes[0]}"] and text[3].startswith("  [FAIL]")
    page = render_html(broken.tests, "A1: eve", "", notes)
    assert page.index("SyntaxError") < page.index("<table")
    note = render_text(broken.tests, "A1: eve", "Your submission could not be graded: the file is empty")
    assert note.splitlines()[1] == "  Your submission could not be graded: the file is empty"


@pytest.mark.integration
def test_the_report_opened_in_a_browser_shows_the_plot_and_the_numbers(built_report, tmp_path):
    """Headless Chromium (the browser tier's) renders the page offline: the histogram's bars and the numbers."""
    import os
    import shutil

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(chromium):
        pytest.skip(f"no chromium at {chromium} (apt-get install -y chromium, or set $CHROMIUM)")
    report, _, _ = built_report
    html_path, _ = report.write(tmp_path / "report.html")
    numbers = report.numbers()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which(chromium), headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())   # self-contained: nothing is fetched
            page.goto(html_path.as_uri())
            svg = page.locator("#histogram svg")
            assert svg.count() == 1 and svg.bounding_box()["width"] > 100
            assert page.locator("#histogram svg path").count() >= 3   # axes and bars drawn
            assert page.locator("#mean").inner_text() == f"{numbers['mean']:.2f}"
            assert page.locator("#median").inner_text() == f"{numbers['median']:.2f}"
            rows = page.locator("#mistakes tbody tr")
            assert rows.count() == 1 and "bob, carol" in rows.inner_text()
            assert "not valid JSON" in page.locator("#not-graded").inner_text()
            assert page.locator("#tests tbody tr").count() == len(numbers["tests"])
        finally:
            browser.close()


def test_course_report_rebuilds_the_report_from_stored_results(built_report, tmp_path):
    from click.testing import CliRunner

    from autograder.cli import main

    report, _, results = built_report
    (tmp_path / "run" / "results").mkdir(parents=True)
    for r in results:
        r.save(tmp_path / "run" / "results")
    out = tmp_path / "class"
    result = CliRunner().invoke(main, ["report", "a1", str(out), "--results", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "report.json").read_text()) == json.loads(json.dumps(report.numbers()))
    empty = CliRunner().invoke(main, ["report", "a1", str(out), "--results", str(tmp_path / "nothing")])
    assert empty.exit_code == 1 and "run `course grade` first" in empty.output
