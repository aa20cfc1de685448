"""Public inputs are committed, not regenerated: `source/<master>.inputs.json`, a lock file beside each master.

A public case written with a seed gets its inputs generated once, by `course release`, and stored here; every later
release reads them back, so what students check against never depends on numpy's random streams (which numpy does
not promise across versions). Change a case's params or seed and its inputs are generated again; entries of cases
that no longer exist are dropped. `course release --check` fails while the file is not current.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..cases import CaseSpec, TestSpec, encode
from ..checks import get_check
from ..config import course_root
from ..master import Master
from .test_data import dumps


class FrozenInputs:
    """The lock file of one master: 'question.test/case' -> {params, seed, inputs}."""

    def __init__(self, path: Path):
        self.path = path
        self.stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self.used: dict[str, dict] = {}

    @classmethod
    def of(cls, master: Master) -> "FrozenInputs":
        source = course_root() / master.assignment.source
        return cls(source.with_name(source.stem + ".inputs.json"))

    @staticmethod
    def key(test: TestSpec, case: CaseSpec) -> str:
        return f"{test.id}/{case.id}"

    def case(self, test: TestSpec, case: CaseSpec) -> CaseSpec:
        """The case with literal inputs: stored ones when params and seed still match, else generated now."""
        if case.seed is None:
            return case
        key = self.key(test, case)
        entry = self.stored.get(key)
        if entry is None or entry["params"] != case.params or entry["seed"] != case.seed:
            inputs = encode(get_check(test.check).inputs(case))
            entry = json.loads(json.dumps({"params": case.params, "seed": case.seed, "inputs": inputs}))
        self.used[key] = entry
        return CaseSpec(id=case.id, params=case.params, seed=None, inputs=entry["inputs"])

    def problems(self) -> list[str]:
        """Why the lock file is not current (empty when it is): entries missing, changed or left over."""
        found = [f"{self.path.name}: {key} is not frozen yet" for key in self.used if key not in self.stored]
        found += [f"{self.path.name}: {key} changed (params or seed)" for key in self.used
                  if key in self.stored and self.stored[key] != self.used[key]]
        found += [f"{self.path.name}: {key} is no longer a public case" for key in self.stored if key not in self.used]
        return found

    def write(self) -> None:
        """Store exactly the entries this release used (in master order)."""
        if self.problems():
            self.path.write_text(dumps(self.used) + "\n", encoding="utf-8")
