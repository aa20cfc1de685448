"""Bad input is a row, never a crash: malformed files, zip bombs, links, floods of text, markup and formulas."""

import csv
import json
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.grading.gradebook import gradebook_csv, write_feedback
from autograder.grading.results import SubmissionResult, library_hash, result_key
from autograder.grading.submissions import InputLimits, NoSubmissionsError, Submission, SubmissionError, discover
from autograder.grading.text import FILE_LIMIT, bounded, csv_cell
from autograder.runner import TestResult

REPO_ROOT = Path(__file__).resolve().parent.parent  # this repository
CORPUS = yaml.safe_load((REPO_ROOT / "tests" / "adversarial" / "a1_files.yml").read_text())["files"]
GOOD_CELL = {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [], "execution_count": None}


def notebook_json(cells=(GOOD_CELL,), metadata=None) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {} if metadata is None else metadata,
            "cells": list(cells)}


def patch_zip(data: bytes, flags: int = 0, method: int | None = None, name=None) -> bytes:
    """Rewrite flag bits, compression method or name bytes in both the local and the central header."""
    data = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        while at != -1:
            data[at + flag_at:at + flag_at + 2] = (int.from_bytes(data[at + flag_at:at + flag_at + 2], "little")
                                                   | flags).to_bytes(2, "little")
            if method is not None:
                data[at + method_at:at + method_at + 2] = method.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    if name:
        old, new = (part.encode("latin-1") for part in name)
        data = bytearray(bytes(data).replace(b"answer_" + old, b"answer_" + new))
    return bytes(data)


def build_zip(path: Path, entry: dict) -> None:
    notebooks = entry.get("notebooks", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(notebooks):
            z.writestr(f"answer_X{i if i else ''}.ipynb", json.dumps(notebook_json()))
    if entry.get("patch"):
        path.write_bytes(patch_zip(path.read_bytes(), **entry["patch"]))


def build_zip_bomb(path: Path, entry: dict) -> None:
    """A member of `mib` MiB of zeros, deflated (small on disk); with `claims`, the headers say it is that small."""
    size, crc = entry["mib"] << 20, 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk, parts = bytes(1 << 20), []
    for _ in range(entry["mib"]):
        parts.append(compressor.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(compressor.flush())
    info = zipfile.ZipInfo("answer.ipynb")
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as z:  # write the real bytes, then fix the headers to what we want
        z.writestr(info, b"")
    raw = path.read_bytes()
    local_end = 30 + len("answer.ipynb")
    empty = raw[local_end:raw.find(b"PK\x01\x02")]
    body = b"".join(parts)
    claimed = entry.get("claims", size)
    header = bytearray(raw[:local_end])
    central = bytearray(raw[raw.find(b"PK\x01\x02"):])
    for block, at in ((header, 14), (central, 16)):
        block[at:at + 12] = crc.to_bytes(4, "little") + len(body).to_bytes(4, "little") + claimed.to_bytes(4, "little")
    offset = len(header) + len(body)
    end = central.find(b"PK\x05\x06")
    central[end + 16:end + 20] = offset.to_bytes(4, "little")
    assert empty in (b"\x03\x00", b"")
    path.write_bytes(bytes(header) + body + bytes(central))


def build(entry: dict, folder: Path) -> Path:
    kind = entry["build"]
    suffix = entry.get("suffix") or (".zip" if kind.startswith("zip") else ".ipynb")
    path = folder / f"{entry['name']}{suffix}"
    if kind == "notebook":
        path.write_text(json.dumps(notebook_json(entry["cells"], entry.get("metadata"))))
    elif kind == "nested":
        depth = entry["depth"]
        path.write_text(json.dumps(notebook_json())[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}")
    elif kind == "digits":
        path.write_text(json.dumps(notebook_json())[:-1] + ', "x": ' + "7" * entry["digits"] + "}")
    elif kind == "text":
        path.write_text(entry["text"])
    elif kind == "large":
        filler = {"cell_type": "markdown", "metadata": {}, "source": "y" * (entry["mib"] << 20)}
        path.write_text(json.dumps(notebook_json([GOOD_CELL, filler])))
    elif kind == "zip":
        build_zip(path, entry)
    elif kind == "zip_bomb":
        build_zip_bomb(path, entry)
    elif kind == "symlink":
        target = entry.get("target")
        if entry.get("outside"):
            target = folder.parent / "outside.ipynb"
            target.write_text(json.dumps(notebook_json()))
        path.symlink_to(target)
    else:
        raise ValueError(kind)
    return path


@pytest.fixture(scope="module")
def corpus_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("files") / "submissions"
    folder.mkdir()
    for entry in CORPUS:
        build(entry, folder)
    return folder


@pytest.mark.parametrize("entry", CORPUS, ids=[e["name"] for e in CORPUS])
def test_every_malformed_file_is_refused_with_its_reason(entry, corpus_folder):
    path = next(p for p in corpus_folder.iterdir() if p.stem == entry["name"])
    submission = Submission.from_path(path)
    with pytest.raises(SubmissionError) as refused:
        submission.read()
    assert entry["reason"] in str(refused.value)


@pytest.mark.integration
def test_reading_the_corpus_and_a_1_gib_zip_bomb_stays_far_below_1_gib(corpus_folder, tmp_path):
    """In a fresh process: every file read (and refused) while the peak memory is measured."""
    bomb = build({"name": "gigabyte", "build": "zip_bomb", "mib": 1024, "claims": 1000}, tmp_path)
    honest = build({"name": "honest_gigabyte", "build": "zip_bomb", "mib": 1024}, tmp_path)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from autograder.grading.submissions import Submission, SubmissionError\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        Submission.from_path(Path(path)).read()\n"
        "    except SubmissionError:\n"
        "        pass\n"
        # VmHWM is this process's own peak (ru_maxrss would also count the parent's memory from before exec)
        "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))\n")
    paths = [str(bomb), str(honest), *map(str, corpus_folder.iterdir())]
    out = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, cwd=REPO_ROOT,
                         check=True)
    assert int(out.stdout.strip()) < 400 << 10  # KiB: the 21 MiB notebook is refused by its size, never read


def test_reading_zips_leaves_no_file_open(corpus_folder):
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        for path in corpus_folder.glob("*.zip"):
            with pytest.raises(SubmissionError):
                Submission.from_path(path).read()
    assert len(os.listdir("/proc/self/fd")) <= before


def test_links_are_refused_before_anything_is_read(corpus_folder):
    by_name = {s.student: s for s in discover(corpus_folder)}
    assert "symbolic link" in by_name["link_to_etc_passwd"].problem
    assert by_name["link_to_etc_passwd"].content_hash == ""


def test_a_folder_without_submissions_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no notebooks here")
    with pytest.raises(NoSubmissionsError, match="no submissions found"):
        discover(tmp_path)


def test_the_size_limits_come_from_the_course(course):
    limits = InputLimits.from_settings(course.grading)
    assert limits.notebook_bytes == 20 << 20 and limits.archive_bytes == 2 << 30


def _result(student="=2+3 evil", status="graded", message="", tests=(), notes=()) -> SubmissionResult:
    return SubmissionResult(assignment="a1", student=student, file=f"{student}.ipynb", content_hash="h",
                            engine="sandbox", status=status, message=message, tests=list(tests), notes=list(notes))


def _test_result(message: str, score=0.0) -> TestResult:
    return TestResult(assignment="a1", question="q", name="t", description="d", hidden=False, points=1.0,
                      score=score, status="passed" if score else "failed", message=message)


def test_rows_without_points_have_empty_point_cells_and_say_why():
    rows = list(csv.reader(gradebook_csv({"q": 1.0}, [], [
        _result("alice", tests=[_test_result("ok", 1.0)]),
        _result("bob", status="unreadable", message="not a valid notebook: the file is empty")]).splitlines()))
    assert rows[2][:4] == ["alice.ipynb", "1", "1", "1.0"]
    assert rows[3] == ["bob.ipynb", "", "", "", "not graded: not a valid notebook: the file is empty"]


def test_spreadsheet_formulas_are_neutralised():
    assert [csv_cell(v) for v in ("=2+3", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "ok")] == \
           ["'=2+3", "'+1", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "ok"]
    rows = list(csv.reader(gradebook_csv({"q": 1.0}, [], [_result("=2+3 evil")]).splitlines()))
    assert rows[2][0] == "'=2+3 evil.ipynb"


def test_a_flooding_submission_gets_bounded_feedback(tmp_path):
    flood = "<b>" + "x" * 10_000_000
    result = _result("flood", tests=[_test_result(flood) for _ in range(300)], notes=[flood] * 1000,
                     message=flood).bounded()
    assert all(len(t.message.encode()) <= 4096 and "more characters left out" in t.message for t in result.tests)
    assert sum(len(n) for n in result.notes) <= 64 << 10 and "more notes left out" in result.notes[-1]
    html, text = write_feedback(tmp_path, result, "a1")
    assert html.stat().st_size <= FILE_LIMIT and text.stat().st_size <= FILE_LIMIT
    assert "feedback cut here" in html.read_text() and "&lt;b&gt;" in html.read_text()


def test_control_characters_and_lone_surrogates_are_shown_not_sent():
    assert bounded("a\x1b[31mred\ud800\x00") == "a\\x1b[31mred\\ud800\\x00"


def test_the_resume_key_changes_with_points_settings_tests_and_the_library(tmp_path, monkeypatch):
    from autograder.grading import results

    base = result_key("h", "sandbox", {"q": 1.0}, [], {"rtol": 1e-6})
    assert base == result_key("h", "sandbox", {"q": 1.0}, [], {"rtol": 1e-6})
    assert base != result_key("h", "sandbox", {"q": 2.0}, [], {"rtol": 1e-6})
    assert base != result_key("h", "sandbox", {"q": 1.0}, [], {"rtol": 1e-5})
    assert base != result_key("h2", "sandbox", {"q": 1.0}, [], {"rtol": 1e-6})
    library = tmp_path / "autograder"
    library.mkdir()
    (library / "m.py").write_text("x = 1\n")
    monkeypatch.setattr(results, "LIBRARY", library)
    library_hash.cache_clear()
    try:
        before = library_hash()
        (library / "m.py").write_text("x = 2\n")
        library_hash.cache_clear()
        assert library_hash() != before
    finally:
        library_hash.cache_clear()


def test_a_stored_result_is_reused_only_with_its_key(tmp_path):
    result = _result("alice", tests=[_test_result("ok", 1.0)])
    result.key = "k1"
    result.save(tmp_path)
    assert SubmissionResult.load(tmp_path, "alice", key="k1").score == 1
    assert SubmissionResult.load(tmp_path, "alice", key="k2") is None
    (tmp_path / "alice.json").write_text("[" * 100_000)  # a forged or damaged file
    assert SubmissionResult.load(tmp_path, "alice", key="k1") is None


def test_markup_in_student_text_is_printed_literally():
    from rich.console import Console
    from rich.table import Table

    from autograder.cli import _score_table

    class Master:
        class assignment:
            points = 18

    class Report:
        results = [_result("[bold]x[/bold]", tests=[_test_result("[/] [bold]18/18 ALL PASSED[/bold]")])]

    console = Console(record=True, width=200, color_system="truecolor")
    table = _score_table("a1", Report, Master)
    assert isinstance(table, Table)
    console.print(table)
    text = console.export_text()
    assert "[bold]18/18 ALL PASSED[/bold]" in text and "[bold]x[/bold].ipynb" in text
    assert "\x1b[1m" not in console.export_text(styles=True).split("ALL PASSED")[0].split("[bold]18/18")[-1]


def test_notebook_files_with_odd_names_get_rows(tmp_path):
    name = os.fsdecode(b"caf\xe9.ipynb")
    (tmp_path / name).write_text(json.dumps(notebook_json()))
    (tmp_path / "clash.ipynb").write_text(json.dumps(notebook_json()))
    with zipfile.ZipFile(tmp_path / "clash.zip", "w") as z:
        z.writestr("clash.ipynb", json.dumps(notebook_json()))
    found = {s.student: s for s in discover(tmp_path)}
    assert "caf\\xe9" in found and found["caf\\xe9"].file == "caf\\xe9.ipynb"
    assert "share the name clash" in found["clash.ipynb"].problem and "share" in found["clash.zip"].problem
    nb = found["caf\\xe9"].read()
    assert isinstance(nb, nbformat.NotebookNode)


# ---- the whole batch, with the real sandbox engine and the command line ----

def _cell(nb, **course):
    return next(c for c in nb.cells if all(c.metadata.get("course", {}).get(k) == v for k, v in course.items()))


def honest_magics(reference: Path) -> nbformat.NotebookNode:
    """The reference, written by someone who uses magics, shell lines and PEP 8 breaks before operators."""
    nb = nbformat.read(reference, as_version=4)
    relu = _cell(nb, implement="implement-ReluActivator-IdentityActivator")
    relu.source = "%%time\n" + relu.source
    filt = _cell(nb, implement="implement-Filter")
    filt.source = "%%capture captured\n" + filt.source
    conv = _cell(nb, implement="implement-ConvLayer")
    conv.source = ("%matplotlib inline\n!echo hi\n" + conv.source +
                   "\n_total = (7\n          % 2)\n_differs = (2\n            != 3)\n%timeit -n1 -r1 _total + 1\n")
    return nb


def code_in_check_cell(reference: Path) -> nbformat.NotebookNode:
    """The reference with ConvLayer typed into the conv_forward check cell, its answer cell left empty."""
    nb = nbformat.read(reference, as_version=4)
    conv = _cell(nb, implement="implement-ConvLayer")
    check = _cell(nb, question="conv_forward")
    check.source, conv.source = check.source + "\n" + conv.source, "# see below\n"
    return nb


@pytest.fixture(scope="module")
def class_with_bad_files(sample_notebooks, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "submissions"
    folder.mkdir()
    for entry in CORPUS:
        build(entry, folder)
    reference = sample_notebooks["a1"] / "reference.ipynb"
    (folder / "reference.ipynb").write_bytes(reference.read_bytes())
    (folder / "=2+3 [bold]x.ipynb").write_bytes(reference.read_bytes())
    nbformat.write(honest_magics(reference), folder / "honest_magics.ipynb")
    nbformat.write(code_in_check_cell(reference), folder / "code_in_check_cell.ipynb")
    return folder


def _grade(folder, out, *options):
    from click.testing import CliRunner

    from autograder.cli import main

    return CliRunner().invoke(main, [*options, "grade", "a1", str(folder), "--out", str(out), "-j", "2"])


def _rows(out) -> dict[str, list[str]]:
    return {row[0]: row for row in csv.reader((out / "final_grades.csv").open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def graded_class(class_with_bad_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return out, _grade(class_with_bad_files, out)


@pytest.mark.integration
def test_bad_files_are_rows_and_the_class_is_graded(graded_class, masters):
    from autograder.cli import EXIT_NOT_GRADED

    out, run = graded_class
    assert run.exit_code == EXIT_NOT_GRADED and isinstance(run.exception, SystemExit), run.output
    assert "Traceback" not in run.output and f"{len(CORPUS)} of {len(CORPUS) + 4} submissions could not be graded" \
        in run.output.replace("\n", " ")
    rows = _rows(out)
    questions = len(masters["a1"].questions)
    for entry in CORPUS:
        row = next(r for name, r in rows.items() if name.startswith(entry["name"]))
        status = row[questions + 3]
        assert status.startswith("not graded: ") and entry["reason"] in status, (entry["name"], status)
        assert set(row[1:questions + 3] + row[questions + 4:]) == {""}, entry["name"]  # empty, never 0
        assert (out / "feedback" / f"{entry['name']}.txt").is_file()
    for name in ("reference.ipynb", "honest_magics.ipynb", "code_in_check_cell.ipynb", "'=2+3 [bold]x.ipynb"):
        assert rows[name][questions + 1] == "18" and rows[name][questions + 3] == "Completed", name


@pytest.mark.integration
def test_honest_notebooks_are_graded_as_a_teacher_would(graded_class):
    out, _ = graded_class
    magics = (out / "feedback" / "honest_magics.txt").read_text()
    assert "'%matplotlib inline' was left out" in magics and "'!echo hi' was left out" in magics
    assert "%%time" not in magics and "%%capture" not in magics and "% 2" not in magics
    moved = (out / "feedback" / "code_in_check_cell.txt").read_text()
    assert "your code `class ConvLayer` was graded" in moved and "move it to code cell" in moved


@pytest.mark.integration
def test_student_text_is_shown_literally_in_the_terminal(graded_class):
    _, run = graded_class
    assert "=2+3 [bold]x.ipynb" in run.output


@pytest.mark.integration
def test_a_rerun_reports_the_same_rows_and_a_point_change_regrades(graded_class, class_with_bad_files, masters,
                                                                   tmp_path):
    out, _ = graded_class
    before = (out / "final_grades.csv").read_text()
    again = _grade(class_with_bad_files, out)
    assert again.exit_code == 3 and "graded 0, " in again.output
    assert (out / "final_grades.csv").read_text() == before
    course_file = tmp_path / "course.yml"
    course_file.write_text((REPO_ROOT / "course.yml").read_text().replace("conv_forward: 10", "conv_forward: 12"))
    regraded = _grade(class_with_bad_files, out, "--course-file", str(course_file))
    assert regraded.exit_code == 3 and "unchanged 0" in regraded.output, regraded.output
    assert _rows(out)["reference.ipynb"][len(masters["a1"].questions) + 1] == "20"


@pytest.mark.integration
def test_no_submissions_is_an_error_with_its_own_exit_status(tmp_path):
    from autograder.cli import EXIT_NO_SUBMISSIONS

    (tmp_path / "subs").mkdir()
    run = _grade(tmp_path / "subs", tmp_path / "out")
    assert run.exit_code == EXIT_NO_SUBMISSIONS and "no submissions found" in run.output
    assert "graded 0" not in run.output



def test_a_gradebook_made_without_a_sandbox_says_so_on_every_row():
    """course grade --no-sandbox: the results, the report and the gradebook all say the code was not isolated."""
    result = _result("alice", tests=[_test_result("ok", 1.0)])
    result.isolation = "NO SANDBOX: plain child processes with resource limits only"
    rows = list(csv.reader(gradebook_csv({"q": 1.0}, [], [result]).splitlines()))
    assert "NO SANDBOX" in rows[2][4]


def test_results_graded_without_the_sandbox_are_not_reused_by_a_sandboxed_run(tmp_path):
    """--no-sandbox results (student code ran unisolated, and could have written them) never satisfy a resume."""
    from types import SimpleNamespace

    from autograder.grading.batch import Batch
    from autograder.grading.submissions import Submission

    notebook = tmp_path / "alice.ipynb"
    notebook.write_text(json.dumps(notebook_json()))
    submission = Submission.from_path(notebook)
    keys = {Batch(SimpleNamespace(name="sandbox", isolation=isolation), tmp_path / "out", {"q": 1.0}, [], "a1")
            .key(submission) for isolation in ("sandboxed child (bubblewrap) ...", "NO SANDBOX: plain processes")}
    assert len(keys) == 2


class BusyMachineEngine:
    """Times out every submission while others are graded beside it; grades a submission graded alone."""
    name, isolation = "busy", "none"

    def __init__(self):
        import threading

        self.lock, self.running, self.calls = threading.Lock(), 0, []

    def prepare(self):
        pass

    def close(self):
        pass

    def grade(self, submission):
        import time

        with self.lock:
            self.running += 1
        time.sleep(0.2)
        with self.lock:
            crowded = self.running > 1
        time.sleep(0.2)
        with self.lock:
            self.running -= 1
            self.calls.append((submission.student, crowded))
        return SubmissionResult(assignment="a1", student=submission.student, file=submission.file,
                                content_hash=submission.content_hash, engine=self.name,
                                status="timeout" if crowded else "graded",
                                message="grading stopped after 60 s" if crowded else "")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_timeout_beside_other_submissions_is_graded_again_alone(jobs, tmp_path):
    from autograder.grading.batch import grade_folder

    (tmp_path / "subs").mkdir()
    for student in ("alice", "bob"):
        (tmp_path / "subs" / f"{student}.ipynb").write_text(json.dumps(notebook_json()))
    engine = BusyMachineEngine()
    report = grade_folder(engine, tmp_path / "subs", tmp_path / "out", {"q": 1.0}, [], title="t", jobs=jobs)
    assert [r.status for r in report.results] == ["graded", "graded"]
    assert len(engine.calls) == (4 if jobs == 2 else 2)  # in parallel: both crowded, then each once more, alone
