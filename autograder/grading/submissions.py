"""Finding submissions in a folder and reading them: a notebook, or an otter export zip holding one."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

SUFFIXES = (".ipynb", ".zip")


class SubmissionError(ValueError):
    """The submission cannot be read as a notebook; the message says why, for the student and the instructor."""


@dataclass(frozen=True)
class Submission:
    path: Path
    student: str          # the file name without its suffix
    content_hash: str     # sha256 of the file: a re-run skips submissions whose content is unchanged

    @classmethod
    def from_path(cls, path: Path) -> "Submission":
        return cls(path=path, student=path.stem, content_hash=hashlib.sha256(path.read_bytes()).hexdigest())


def discover(folder: Path) -> list[Submission]:
    """Every .ipynb and .zip directly in `folder`, sorted by name."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of submissions")
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    stems = [p.stem for p in found]
    clashes = sorted({s for s in stems if stems.count(s) > 1})
    if clashes:
        raise SubmissionError(f"two submissions share a name: {', '.join(clashes)} (one .ipynb and one .zip?)")
    return [Submission.from_path(p) for p in found]


def notebook_text(path: Path) -> str:
    """The notebook JSON of a submission, from the file itself or from the single .ipynb in a zip."""
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.endswith(".ipynb") and not n.startswith("__MACOSX")]
                if len(names) != 1:
                    raise SubmissionError(f"the zip holds {len(names)} notebooks (.ipynb); it must hold exactly one")
                return archive.read(names[0]).decode("utf-8")
        except zipfile.BadZipFile:
            raise SubmissionError("not a valid zip file") from None
    return path.read_bytes().decode("utf-8", errors="replace")


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Parse and validate a submission's notebook; SubmissionError with a clear reason when it is not one."""
    text = notebook_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"not a valid notebook: the file is not JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:
        raise SubmissionError(f"not a valid notebook: {exc}") from None
    if not any(c.cell_type == "code" and c.source.strip() for c in nb.cells):
        raise SubmissionError("the notebook has no code: was an empty or wrong file submitted?")
    return nb
