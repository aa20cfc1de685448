"""Finding a class's submissions in what an instructor receives: a folder, a zip, or one notebook.

Recognised layouts: flat notebooks; nbgrader's submitted/<student>/<assignment>/<notebook>; one folder per student;
Gradescope exports (submission_<id>/ folders and submission_metadata.yml); LMS downloads (Canvas, Moodle,
Blackboard file and folder names); zips of any of these, inflated within the size limits. Each file is then read
by submissions.Submission, within its own limits, exactly as before.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from .submissions import (MAX_ZIP_MEMBERS, InputLimits, NoSubmissionsError, Submission, SubmissionError,
                          display_name, mib, open_no_follow)

SUFFIXES = (".ipynb", ".zip")
IGNORED = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")
GRADESCOPE_METADATA = "submission_metadata.yml"
LAYOUTS = ("flat notebooks (<student>.ipynb)", "nbgrader (submitted/<student>/<assignment>/<notebook>.ipynb)",
           "one folder per student (<student>/<anything>.ipynb)",
           "Gradescope export (submission_<id>/ folders + submission_metadata.yml)",
           "Canvas download (<name>[_LATE]_<user id>_<submission id>_<file>.ipynb)",
           "Moodle download (<Full Name>_<id>_assignsubmission_file_[/]<file>.ipynb)",
           "Blackboard download (<assignment>_<user>_attempt_<YYYY-MM-DD-hh-mm-ss>_<file>.ipynb)",
           "a zip of any of these, or one notebook (.ipynb, or an otter export .zip)")

CANVAS = re.compile(r"^(?P<login>[a-z0-9]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)$")
CANVAS_COPY = re.compile(r"-(?P<n>\d+)$")   # Canvas renames a resubmitted file a1-1.ipynb, a1-2.ipynb
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<file>.*)$")
BLACKBOARD = re.compile(r"^(?P<assignment>.+)_(?P<user>[^_]+)_attempt_"
                        r"(?P<time>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+))?$")


@dataclass(frozen=True)
class ClassSubmission(Submission):
    """A submission with who it belongs to: a display name and the LMS's identifiers (for the LMS grade CSV)."""

    name: str = ""                                                 # the student's name, when the layout gives it
    layout: str = ""                                               # the layout it was found in
    lms: dict = field(default_factory=dict, compare=False)         # e.g. {"canvas_user_id": "1000"}
    relative: str = ""                                             # its path in the class folder

    @property
    def file(self) -> str:
        """The path in the class folder (alice/a1/a1.ipynb): in nested layouts every file has the same name."""
        return display_name(self.relative or self.path.name)


@dataclass
class Candidate:
    """A notebook (or otter zip) found, before duplicates are resolved."""

    path: Path
    student: str
    layout: str
    name: str = ""
    lms: dict = field(default_factory=dict)
    order: tuple | None = None    # the LMS's own timestamp or attempt number: larger is later


@dataclass
class Discovery:
    layout: str
    submissions: list[ClassSubmission]
    notes: list[str] = field(default_factory=list)   # choices made (latest of two, ignored files)

    def roster(self) -> dict[str, dict]:
        """student -> name, layout, file and LMS identifiers: what the LMS grade export needs."""
        return {s.student: {"name": s.name or s.student, "layout": s.layout, "file": s.file, **s.lms}
                for s in self.submissions}


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in IGNORED


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if _visible(p))


def _is_dir(path: Path) -> bool:
    """A real folder (links are never followed)."""
    return stat.S_ISDIR(path.lstat().st_mode)


def _notebook_files(folder: Path) -> list[Path]:
    return [p for p in _entries(folder) if p.suffix in SUFFIXES and not _is_dir(p)]


def _nested_notebooks(folder: Path, depth: int = 4) -> list[Path]:
    """Notebooks (and zips) anywhere below a student's folder, a few levels deep, links not followed."""
    found = _notebook_files(folder)
    if depth:
        for sub in _entries(folder):
            if _is_dir(sub):
                found += _nested_notebooks(sub, depth - 1)
    return found


def _stem(name: str) -> str:
    """A file name without .ipynb/.zip: a student id never contains .ipynb."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def parse_lms_name(file_name: str, layout: str = "flat") -> Candidate | None:
    """Who a file belongs to, from Canvas, Moodle or Blackboard naming; None when the name follows none."""
    stem = _stem(file_name)
    if m := MOODLE.match(stem):
        return Candidate(Path(file_name), f"{m['name'].strip()}_{m['participant']}", "Moodle download",
                         name=m["name"].strip(), lms={"moodle_participant_id": m["participant"]})
    if m := BLACKBOARD.match(stem):
        when = datetime.strptime(m["time"], "%Y-%m-%d-%H-%M-%S")
        return Candidate(Path(file_name), m["user"], "Blackboard download", lms={"blackboard_user": m["user"]},
                         order=(when.isoformat(),))
    if m := CANVAS.match(stem):
        copy = CANVAS_COPY.search(m["file"])
        lms = {"canvas_user_id": m["user"], "canvas_login": m["login"]}
        if m["late"]:
            lms["late"] = "yes"
        return Candidate(Path(file_name), m["login"], "Canvas download", lms=lms,
                         order=(int(m["attachment"]), int(copy["n"]) if copy else 0))
    return None


def _flat(folder: Path) -> list[Candidate]:
    found = []
    for path in _notebook_files(folder):
        parsed = parse_lms_name(path.name)
        if parsed:
            parsed.path = path
            found.append(parsed)
        else:
            found.append(Candidate(path, display_name(_stem(path.name)), "flat notebooks"))
    return found


def _pick_notebook(paths: list[Path], notebook: str) -> Path | None:
    """The one notebook of a student's folder: the only one, or the one named like the assignment's notebook."""
    if len(paths) == 1:
        return paths[0]
    named = [p for p in paths if p.name == notebook]
    return named[0] if len(named) == 1 else None


def _folder_candidate(folder: Path, student: str, layout: str, notebook: str, notes: list[str],
                      **extra) -> Candidate | None:
    paths = _nested_notebooks(folder)
    if not paths:
        return None
    chosen = _pick_notebook(paths, notebook)
    candidate = Candidate(chosen or paths[0], student, layout, **extra)
    if chosen is None:
        candidate.lms = {**candidate.lms, "problem": f"{len(paths)} notebooks in the folder "
                         f"({', '.join(display_name(p.name) for p in paths[:5])}) and none is named {notebook}; "
                         "keep one"}
    elif len(paths) > 1:
        notes.append(f"{student}: graded {display_name(chosen.name)} of {len(paths)} notebooks in the folder")
    return candidate


def _per_student(folder: Path, notebook: str, notes: list[str]) -> list[Candidate]:
    found = []
    for sub in _entries(folder):
        if not _is_dir(sub):
            continue
        if m := MOODLE.match(sub.name):
            c = _folder_candidate(sub, f"{m['name'].strip()}_{m['participant']}", "Moodle download", notebook,
                                  notes, name=m["name"].strip(), lms={"moodle_participant_id": m["participant"]})
        else:
            c = _folder_candidate(sub, display_name(sub.name), "one folder per student", notebook, notes)
        if c:
            found.append(c)
    return found


def _nbgrader(folder: Path, assignment: str, notebook: str, notes: list[str]) -> list[Candidate]:
    found = []
    for sub in _entries(folder):
        if _is_dir(sub) and (sub / assignment).is_dir() and _is_dir(sub / assignment):
            c = _folder_candidate(sub / assignment, display_name(sub.name), "nbgrader submitted/", notebook, notes)
            if c:
                found.append(c)
    return found


def _time_key(value) -> str:
    """Gradescope's :created_at (a datetime or its text) as sortable text."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value or "")


def _gradescope(folder: Path, notebook: str, notes: list[str]) -> list[Candidate]:
    metadata_path = folder / GRADESCOPE_METADATA
    with open_no_follow(metadata_path) as f:
        raw = f.read(16 << 20)
    try:
        metadata = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise SubmissionError(f"{metadata_path}: not valid YAML ({str(exc)[:200]})") from None
    found = []
    for sub in _entries(folder):
        if not _is_dir(sub):
            continue
        entry = metadata.get(sub.name) if isinstance(metadata, dict) else None
        entry = entry if isinstance(entry, dict) else {}
        submitters = entry.get(":submitters") or entry.get("submitters") or [{}]
        first = submitters[0] if isinstance(submitters[0], dict) else {}
        sid = str(first.get(":sid") or first.get("sid") or "").strip()
        email = str(first.get(":email") or first.get("email") or "").strip()
        name = str(first.get(":name") or first.get("name") or "").strip()
        student = display_name(sid or (email.split("@")[0] if email else sub.name))
        created = entry.get(":created_at") or entry.get("created_at")
        lms = {"gradescope_submission": sub.name.removeprefix("submission_"), "sid": sid, "email": email}
        c = _folder_candidate(sub, student, "Gradescope export", notebook, notes, name=name,
                              lms={k: v for k, v in lms.items() if v})
        if c:
            c.order = (_time_key(created),) if created else None
            found.append(c)
    return found


def _latest(candidates: list[Candidate], notes: list[str]) -> list[tuple[Candidate, str]]:
    """One candidate per student: the latest by the LMS's own order; a clash without one is a problem to fix."""
    by_student: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_student.setdefault(c.student, []).append(c)
    chosen = []
    for student, group in sorted(by_student.items()):
        if len(group) == 1:
            chosen.append((group[0], group[0].lms.pop("problem", "")))
            continue
        if all(c.order is not None for c in group) and len({c.order for c in group}) == len(group):
            group.sort(key=lambda c: c.order)
            latest = group[-1]
            notes.append(f"{student}: {len(group)} submissions; graded the latest by the {latest.layout}'s own "
                         f"order: {display_name(latest.path.name)} (not "
                         f"{', '.join(display_name(c.path.name) for c in group[:-1])})")
            chosen.append((latest, latest.lms.pop("problem", "")))
        else:
            names = ", ".join(display_name(c.path.name) for c in group)
            chosen.append((group[0], f"{len(group)} submissions for {student} ({names}) and nothing tells which "
                                     "is the latest; keep one"))
    return chosen


def _single_notebook_zip(path: Path) -> bool:
    """Is this zip one student's submission (an otter export: one notebook, no class metadata)?"""
    try:
        with zipfile.ZipFile(open_no_follow(path)) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # let the reader say what is wrong with it, as one submission
    notebooks = [n for n in names if n.endswith(SUFFIXES) and "__MACOSX" not in n]
    return len(notebooks) <= 1 and not any(n.endswith(GRADESCOPE_METADATA) for n in names)


def inflate(path: Path, dest: Path, limits: InputLimits) -> Path:
    """Inflate a class zip's notebooks, zips and metadata into `dest`, every member checked before it is written."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        with zipfile.ZipFile(open_no_follow(path)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise SubmissionError(f"{path.name}: the zip holds more than {MAX_ZIP_MEMBERS} members")
            wanted = [i for i in infos if not i.is_dir() and (i.filename.endswith(SUFFIXES)
                                                               or i.filename.endswith(GRADESCOPE_METADATA))]
            total = sum(i.file_size for i in wanted)
            if total > limits.archive_bytes:
                raise SubmissionError(f"{path.name}: the zip inflates to {mib(total)}, above the limit of "
                                      f"{mib(limits.archive_bytes)}")
            for info in wanted:
                parts = Path(info.filename).parts
                if info.filename.startswith("/") or ".." in parts or stat.S_ISLNK(info.external_attr >> 16) \
                        or info.flag_bits & 0x1:
                    continue  # absolute, escaping, linked or encrypted members are not inflated
                target = dest.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with archive.open(info) as source, open(target, "wb") as out:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > info.file_size or written > limits.archive_bytes:
                            raise SubmissionError(f"{path.name}: the member {display_name(info.filename)} "
                                                  "inflates to more than its header says; not read further")
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise SubmissionError(f"{path.name}: not a valid zip file ({str(exc)[:200]})") from None
    return dest


def _layout_root(folder: Path, assignment: str) -> bool:
    """Does this folder hold a Gradescope export or nbgrader's layout (submitted/, or <student>/<assignment>/)?"""
    if (folder / GRADESCOPE_METADATA).is_file() or (folder / "submitted").is_dir():
        return True
    return any(_is_dir(e) and (e / assignment).is_dir() for e in _entries(folder))


def _descend(folder: Path, assignment: str) -> Path:
    """An export wrapped in folders (class.zip -> export/ -> ...): go down through lone folders that are not one
    student's (a Moodle or Gradescope submission folder, or a folder holding exactly one notebook)."""
    for _ in range(4):
        if _layout_root(folder, assignment):
            break
        entries = _entries(folder)
        only = entries[0] if len(entries) == 1 and _is_dir(entries[0]) else None
        if only and len(_notebook_files(only)) != 1 and not MOODLE.match(only.name) \
                and not only.name.startswith("submission_"):
            folder = only
        else:
            break
    return folder


def _what_is_there(folder: Path) -> str:
    entries = _entries(folder) if folder.is_dir() else []
    if not entries:
        return "the folder is empty"
    folders = sum(1 for p in entries if _is_dir(p))
    suffixes: dict[str, int] = {}
    for p in entries:
        if not _is_dir(p):
            suffixes[p.suffix or "(no suffix)"] = suffixes.get(p.suffix or "(no suffix)", 0) + 1
    files = ", ".join(f"{n} {s} file{'s' * (n > 1)}" for s, n in sorted(suffixes.items()))
    return ", ".join(x for x in (f"{folders} folder{'s' * (folders != 1)} without notebooks" if folders else "",
                                 files) if x)


def _candidates(folder: Path, assignment: str, notebook: str, notes: list[str]) -> list[Candidate]:
    if (folder / GRADESCOPE_METADATA).is_file():
        return _gradescope(folder, notebook, notes)
    if (folder / "submitted").is_dir() and _is_dir(folder / "submitted"):
        folder = folder / "submitted"
    if found := _nbgrader(folder, assignment, notebook, notes):
        return found
    return _flat(folder) + _per_student(folder, notebook, notes)


def discover_class(path: Path, assignment: str, notebook: str = "", limits: InputLimits | None = None,
                   staging: Path | None = None) -> Discovery:
    """Every submission in `path` (a folder, a class zip, or one notebook); NoSubmissionsError when there is none."""
    limits = limits or InputLimits()
    notebook = notebook or f"{assignment}.ipynb"
    notes: list[str] = []
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such folder, zip or notebook")
    if not _is_dir(path):
        if path.suffix == ".zip" and not _single_notebook_zip(path):
            folder = inflate(path, (staging or path.parent / f".{path.stem}-inflated") / path.stem, limits)
            discovery = discover_class(folder, assignment, notebook, limits)
            discovery.layout = f"zip of {discovery.layout}"
            return discovery
        if path.suffix not in SUFFIXES:
            raise NoSubmissionsError(f"{path}: not a notebook (.ipynb), a zip or a folder")
        candidate = parse_lms_name(path.name) or Candidate(path, display_name(_stem(path.name)), "one notebook")
        candidate.path = path
        candidates, layout = [candidate], "one notebook"
    else:
        folder = _descend(path, assignment)
        candidates = _candidates(folder, assignment, notebook, notes)
        if not candidates:
            raise NoSubmissionsError(f"{path}: no submissions found ({_what_is_there(folder)}). Recognised layouts: "
                                     + "; ".join(LAYOUTS))
        layouts = sorted({c.layout for c in candidates})
        layout = " + ".join(layouts)
    submissions = []
    root = path if _is_dir(path) else path.parent
    for candidate, problem in _latest(candidates, notes):
        base = Submission.from_path(candidate.path, limits, student=candidate.student)
        if problem and not base.problem:
            base = dataclasses.replace(base, problem=problem)
        submissions.append(ClassSubmission(base.path, base.student, base.content_hash, base.problem, base.limits,
                                           name=candidate.name, layout=candidate.layout, lms=dict(candidate.lms),
                                           relative=str(candidate.path.relative_to(root))))
    return Discovery(layout, submissions, notes)


def write_roster(out_dir: Path, discovery: Discovery) -> Path:
    """out_dir/students.json: who each student is (name, LMS ids), for the LMS grade export."""
    from .results import write_atomic

    path = out_dir / "students.json"
    write_atomic(path, json.dumps(discovery.roster(), indent=1, sort_keys=True))
    return path
