"""Finding submissions in a folder and reading them, within limits: a notebook, or an otter export zip holding one.

Nothing is read before its size is known to be within the limits, links are never followed, and every way a
file can fail to be a notebook ends in a SubmissionError whose message says why: a row in the gradebook, never a
crash of the batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SUFFIXES = (".ipynb", ".zip")
MAX_DEPTH = 64            # JSON nesting a notebook may have (Jupyter writes about 6)
MAX_ZIP_MEMBERS = 10_000
CHUNK = 1 << 20
SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate",
                         zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
CELL_TYPES = ("code", "markdown", "raw")


class SubmissionError(ValueError):
    """The submission cannot be read as a notebook; the message says why, for the student and the instructor."""


class NoSubmissionsError(FileNotFoundError):
    """The folder holds no .ipynb or .zip file: nothing to grade is an error, never "graded 0"."""


@dataclass(frozen=True)
class InputLimits:
    notebook_bytes: int = 20 << 20   # a notebook, or the notebook member of a zip
    archive_bytes: int = 2 << 30     # a zip, all members together, as inflated

    @classmethod
    def from_settings(cls, grading) -> "InputLimits":
        return cls(notebook_bytes=int(grading.max_notebook_mib * (1 << 20)),
                   archive_bytes=int(grading.max_archive_mib * (1 << 20)))


def mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def display_name(name: str) -> str:
    """A file name as text that can be written anywhere: bytes that are not UTF-8 shown as \\x.. escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Submission:
    path: Path
    student: str          # the file name without its suffix (with it, when two files share a stem)
    content_hash: str     # sha256 of the file: part of the key a stored result must match to be reused
    problem: str = ""     # why the file was refused before reading it (a link, too large, a name clash)
    limits: InputLimits = field(default_factory=InputLimits, compare=False)

    @classmethod
    def from_path(cls, path: Path, limits: InputLimits | None = None, student: str | None = None) -> "Submission":
        """Look at the file without following links or reading more than its size allows."""
        limits = limits or InputLimits()
        student = student or display_name(path.stem)
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = display_name(os.readlink(path))
            return cls(path, student, "", f"a symbolic link (to {target}); links are not followed: submit the file",
                       limits)
        if not stat.S_ISREG(info.st_mode):
            return cls(path, student, "", "not a regular file", limits)
        limit = limits.notebook_bytes if path.suffix == ".ipynb" else limits.archive_bytes
        if info.st_size > limit:
            return cls(path, student, "", f"the file is {mib(info.st_size)}, above the limit of {mib(limit)}", limits)
        with open_no_follow(path) as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        return cls(path, student, digest, "", limits)

    @property
    def file(self) -> str:
        return display_name(self.path.name)

    def read(self) -> nbformat.NotebookNode:
        """The submission's notebook, read within its limits; SubmissionError saying why it cannot be."""
        if self.problem:
            raise SubmissionError(self.problem)
        return read_notebook(self.path, self.limits)


def open_no_follow(path: Path):
    """Open a file for reading, failing if it is a symbolic link (even one swapped in after we looked)."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def discover(folder: Path, limits: InputLimits | None = None) -> list[Submission]:
    """Every .ipynb and .zip directly in `folder`, sorted by name; refused files are kept, with their problem."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of submissions")
    found = sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES)
    if not found:
        raise NoSubmissionsError(f"{folder}: no submissions found (no .ipynb or .zip file in it)")
    stems = [p.stem for p in found]
    submissions = []
    for path in found:
        if stems.count(path.stem) > 1:
            submissions.append(Submission(path, display_name(path.name), "", "two submissions share the name "
                                          f"{display_name(path.stem)} (one .ipynb and one .zip?); grade one of them",
                                          limits or InputLimits()))
        else:
            submissions.append(Submission.from_path(path, limits))
    return submissions


def _read_capped(stream, limit: int, what: str) -> bytes:
    """At most `limit` bytes from a stream, reading in chunks: a zip header that lies about the size is caught."""
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise SubmissionError(f"{what} is larger than the limit of {mib(limit)}; it was not read further")
        chunks.append(chunk)


def _member_count(path: Path) -> int:
    """The number of members a zip declares, from its end record, before the central directory is parsed."""
    with open_no_follow(path) as f:
        record = zipfile._EndRecData(f)  # the stdlib's own reader of the end-of-central-directory record
    if record is None:
        raise SubmissionError("not a valid zip file")
    return record[zipfile._ECD_ENTRIES_TOTAL]


def _member_problem(info: zipfile.ZipInfo, limit: int) -> str | None:
    name = display_name(info.filename)
    if info.flag_bits & 0x1:
        return f"the zip member {name} is encrypted; submit it without a password"
    if info.compress_type not in SUPPORTED_COMPRESSION:
        return (f"the zip member {name} uses a compression method the grader does not read "
                f"(method {info.compress_type}); use ordinary zip (deflate)")
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"the zip member {name} is a symbolic link; links are not followed"
    if info.file_size > limit:
        return f"the zip member {name} is {mib(info.file_size)}, above the limit of {mib(limit)}"
    return None


def _zip_notebook(path: Path, limits: InputLimits) -> bytes:
    """The single .ipynb of an otter export zip, every member checked before anything is inflated."""
    if _member_count(path) > MAX_ZIP_MEMBERS:
        raise SubmissionError(f"the zip holds more than {MAX_ZIP_MEMBERS} members")
    try:
        with open_no_follow(path) as handle, zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > limits.archive_bytes:
                raise SubmissionError(f"the zip inflates to {mib(declared)}, above the limit of "
                                      f"{mib(limits.archive_bytes)}")
            notebooks = [i for i in infos if i.filename.endswith(".ipynb") and not i.is_dir()
                         and not i.filename.startswith("__MACOSX")]
            if len(notebooks) != 1:
                raise SubmissionError(f"the zip holds {len(notebooks)} notebooks (.ipynb); it must hold exactly one")
            problem = _member_problem(notebooks[0], limits.notebook_bytes)
            if problem:
                raise SubmissionError(problem)
            with archive.open(notebooks[0]) as member:
                what = f"the zip member {display_name(notebooks[0].filename)}"
                return _read_capped(member, limits.notebook_bytes, what)
    except UnicodeDecodeError:
        raise SubmissionError("a zip member's name is marked UTF-8 but is not valid UTF-8") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        if isinstance(exc, SubmissionError):
            raise
        raise SubmissionError(f"not a valid zip file ({str(exc)[:200]})") from None
    except NotImplementedError as exc:
        raise SubmissionError(f"the zip uses a feature the grader does not read ({str(exc)[:200]})") from None
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise SubmissionError(f"the zip could not be read ({str(exc)[:200]})") from None


def notebook_bytes(path: Path, limits: InputLimits | None = None) -> bytes:
    """The notebook JSON of a submission, from the file itself or from the single .ipynb in a zip."""
    limits = limits or InputLimits()
    try:
        if path.suffix == ".zip":
            return _zip_notebook(path, limits)
        with open_no_follow(path) as f:
            return _read_capped(f, limits.notebook_bytes, "the notebook")
    except OSError as exc:
        raise SubmissionError(f"the file could not be read ({exc.strerror or exc})") from None


def notebook_text(path: Path, limits: InputLimits | None = None) -> str:
    return notebook_bytes(path, limits).decode("utf-8-sig", errors="replace")


def _depth_problem(data) -> str | None:
    """Nested deeper than MAX_DEPTH? Checked without recursion, before anything walks the structure."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"it is nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return None


def _is_text(source) -> bool:
    return isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))


def _structure_problem(data) -> str | None:
    """What the grader relies on: a mapping with a list of cells, each with a type, text source and mapping metadata."""
    if not isinstance(data, dict):
        return "the file is JSON but not a notebook (no top-level mapping)"
    if not isinstance(data.get("metadata", {}), dict):
        return "the notebook's metadata is not a mapping"
    if data.get("nbformat") == 4 or "cells" in data:
        cells = data.get("cells")
        if not isinstance(cells, list):
            return "the notebook has no list of cells"
        for number, cell in enumerate(cells, start=1):
            if not isinstance(cell, dict):
                return f"cell {number} is not a mapping"
            if cell.get("cell_type") not in CELL_TYPES:
                return f"cell {number} has no valid cell_type (got {str(cell.get('cell_type'))[:40]!r})"
            if not _is_text(cell.get("source", "")):
                return f"cell {number}'s source is not text"
            if not isinstance(cell.get("metadata", {}), dict):
                return f"cell {number}'s metadata is not a mapping"
    return None


def parse_notebook(raw: bytes) -> nbformat.NotebookNode:
    """Parse a notebook's bytes strictly; SubmissionError with a clear reason when they are not one."""
    text = raw.decode("utf-8-sig", errors="replace")
    if not text.strip():
        raise SubmissionError("not a valid notebook: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"not a valid notebook: the file is not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SubmissionError(f"not a valid notebook: it is nested too deeply (more than {MAX_DEPTH} levels)") \
            from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        reason = "a number in it has too many digits" if "digits" in str(exc) else str(exc)[:200]
        raise SubmissionError(f"not a valid notebook: {reason}") from None
    problem = _depth_problem(data) or _structure_problem(data)
    if problem:
        raise SubmissionError(f"not a valid notebook: {problem}")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds; every one means "not a notebook"
        raise SubmissionError(f"not a valid notebook: {str(exc)[:300]}") from None
    problem = _structure_problem(nb)  # again after conversion from older formats
    if problem:
        raise SubmissionError(f"not a valid notebook: {problem}")
    if not any(c.cell_type == "code" and c.source.strip() for c in nb.cells):
        raise SubmissionError("the notebook has no code: was an empty or wrong file submitted?")
    return nb


def read_notebook(path: Path, limits: InputLimits | None = None) -> nbformat.NotebookNode:
    """Read (within the limits) and parse a submission's notebook; SubmissionError with a clear reason if it fails."""
    return parse_notebook(notebook_bytes(path, limits))

