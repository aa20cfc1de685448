"""Scanning what students can see (releases, otter student folders, feedback) for what they must not:
solution code, hidden cases, hidden test source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..master import Master
from .implement import solution_bodies

MIN_LINE = 20  # shorter solution lines (`return self.bias`) are too generic to be evidence


@dataclass(frozen=True)
class Needle:
    what: str
    pattern: re.Pattern


def needles(master: Master, feedback: bool = False) -> list[Needle]:
    """What must never appear in student-visible files of this assignment.

    Feedback may name hidden tests and describe what they cover (that is what makes it actionable); releases
    may not even do that (unless a public test has the same description). Neither may contain solution code,
    hidden seeds or hidden test source.
    """
    found = [Needle("hidden test region", re.compile(re.escape("BEGIN HIDDEN TESTS"))),
             Needle("a solutions/ import", re.compile(r"\bfrom solutions(\.\w+)*\s+import\b|\bimport solutions\b")),
             Needle("the hidden grading call", re.compile(r"\bgrade\(\s*[\"']"))]
    for impl in master.implements:
        for line in solution_bodies(impl):
            if len(line.replace(" ", "")) >= MIN_LINE or "=" in line and impl.names[0].islower():
                found.append(Needle(f"solution code of {'/'.join(impl.names)}: {line}", re.compile(re.escape(line))))
    public_descriptions = {t.description for q in master.questions.values() for t in q.tests if not t.hidden}
    for question in master.questions.values():
        for test in question.tests:
            if not test.hidden:
                continue
            if test.description and not feedback and test.description not in public_descriptions:
                found.append(Needle(f"hidden test {test.id}", re.compile(re.escape(test.description))))
            for case in test.cases:
                if case.seed is not None:
                    found.append(Needle(f"hidden case {test.id}/{case.id}",
                                        re.compile(rf"seed[\"']?\s*:\s*{case.seed}\b")))
    return found


def scan(paths: list[Path], master: Master, feedback: bool = False) -> list[str]:
    """'file: what' for every needle found in a text file under `paths` (empty when nothing leaked)."""
    patterns = needles(master, feedback)
    leaks = []
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            leaks += [f"{path}: {n.what}" for n in patterns if n.pattern.search(text)]
    return leaks
