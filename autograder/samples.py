"""Bundled sample submissions (tests/samples/<assignment>/samples.yml) and the outcomes they must get.

A sample is the reference solution, the untouched release, or student-style .py files of implement-cell
sections with planted bugs (exact text substitutions, each of which must match once). With several files, a
section that appears again is appended to (a later assignment adds methods to an earlier class); sections
for cells this assignment does not have are ignored.
"""

from __future__ import annotations

import copy
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from .config import course_root
from .master import Master, role
from .mistakes import MISTAKES
from .release.implement import render

SECTION_MARK = "# %% "


class SampleError(ValueError):
    """A sample definition is inconsistent (a substitution no longer matches, an unknown section)."""


@dataclass(frozen=True)
class Sample:
    name: str
    origin: str | tuple[str, ...]     # solution | release | raw | .py files, relative to the samples folder
    replace: tuple[tuple[str, str], ...] = ()
    raw: str | None = None
    expect: object = None             # 'full' | 'zero' | {'lose': {pattern: mistake}, 'keep': [pattern]}
    directory: Path = field(default_factory=lambda: samples_folder())
    requires: str | None = None       # a capability the machine must have for this sample (see tests)


def samples_folder() -> Path:
    """tests/samples/ of the course root: the bundled sample submissions."""
    return course_root() / "tests" / "samples"


def load_samples(assignment_id: str) -> list[Sample]:
    return load_sample_file(samples_folder() / assignment_id / "samples.yml")


def load_sample_file(path: Path) -> list[Sample]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    samples = []
    for item in data["samples"]:
        origin = "raw" if "raw" in item else item["from"]
        origin = tuple(origin) if isinstance(origin, list) else origin
        samples.append(Sample(name=item["name"], origin=origin, raw=item.get("raw"), expect=item["expect"],
                              replace=tuple(tuple(pair) for pair in item.get("replace", [])),
                              directory=path.parent, requires=item.get("requires")))
    return samples


def sections(sample: Sample, master: Master, substitutions: dict | None = None) -> dict[str, str]:
    """implement-cell id -> code the sample puts in that cell; {name} placeholders filled from substitutions."""
    if sample.origin in ("solution", "release"):
        style = "solution" if sample.origin == "solution" else "stub"
        return {impl.cell_id: render(impl, style) for impl in master.implements}
    files = sample.origin if isinstance(sample.origin, tuple) else (sample.origin,)
    text = "\n".join((sample.directory / f).read_text(encoding="utf-8") for f in files)
    for old, new in sample.replace:
        if text.count(old) != 1:
            raise SampleError(f"sample {sample.name}: {old!r} occurs {text.count(old)} times in {files}")
        text = text.replace(old, new)
    for name, value in (substitutions or {}).items():
        text = text.replace("{" + name + "}", str(value))
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith(SECTION_MARK):
            current = line[len(SECTION_MARK):].strip()
            found.setdefault(current, [])
        elif current is not None:
            found[current].append(line)
    known = {impl.cell_id for impl in master.implements}
    if known - set(found):
        raise SampleError(f"sample {sample.name}: no section for implement cell(s) {sorted(known - set(found))}")
    return {cell_id: "\n".join(found[cell_id]).strip() + "\n" for cell_id in known}


def namespace(sample: Sample, master: Master) -> dict:
    """Execute the sample's cells like a notebook would (a failing cell does not stop the next)."""
    env: dict = {"__name__": "__main__"}
    code = sections(sample, master)
    for cell in master.notebook.cells:
        kind = role(cell)
        source = cell.source if kind in ("setup", "given") else None
        if kind == "implement":
            from .master import parse_implement

            source = code[parse_implement(cell).cell_id]
        if source is None:
            continue
        try:
            exec(compile(source, f"<cell {kind}>", "exec"), env)
        except Exception:  # a broken cell: its names stay undefined, like in a notebook
            pass
    return env


def notebook(sample: Sample, master: Master, release: nbformat.NotebookNode, substitutions: dict | None = None) -> str:
    """The sample as notebook text: the release with each implement cell replaced by the sample's code."""
    if sample.origin == "raw":
        return sample.raw
    code = sections(sample, master, substitutions)
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        cell_id = cell.metadata.get("course", {}).get("implement")
        if cell_id:
            cell.source = code[cell_id]
    return nbformat.writes(nb)


def _matching(pattern: str, test_ids) -> list[str]:
    matched = [t for t in test_ids if fnmatch.fnmatchcase(t, pattern)]
    if not matched:
        raise SampleError(f"pattern {pattern!r} matches no test")
    return matched


def problems(sample: Sample, results: dict[str, dict]) -> list[str]:
    """What is wrong with a sample's results (test id -> {'passed', 'message'}); [] when as expected.

    A mistake counts as named when its advice appears in the message, whichever engine wrote the message; a test
    expected to fail with no mistake (`lose: {test: null}`) must name none (a wrong diagnosis is worse than none).
    """
    found = []
    if sample.expect == "full":
        found += [f"{t} failed: {r['message']}" for t, r in results.items() if not r["passed"]]
    elif sample.expect == "zero":
        found += [f"{t} passed" for t, r in results.items() if r["passed"]]
    else:
        for pattern, mistake in sample.expect.get("lose", {}).items():
            for t in _matching(pattern, results):
                if results[t]["passed"]:
                    found.append(f"{t} passed, expected it to fail")
                elif mistake and MISTAKES[mistake] not in results[t]["message"]:
                    found.append(f"{t} failed without naming {mistake!r}: {results[t]['message']}")
                elif not mistake and (named := [m for m, advice in MISTAKES.items()
                                                if advice in results[t]["message"]]):
                    found.append(f"{t} named {named[0]!r}, expected no name: {results[t]['message']}")
        for pattern in sample.expect.get("keep", []):
            found += [f"{t} failed: {results[t]['message']}" for t in _matching(pattern, results)
                      if not results[t]["passed"]]
        for pattern, words in sample.expect.get("messages", {}).items():
            found += [f"{t}: message lacks {words!r}: {results[t]['message']}" for t in _matching(pattern, results)
                      if words not in results[t]["message"]]
    return found
