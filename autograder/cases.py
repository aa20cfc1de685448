"""Test and case specifications: plain, JSON-able data written in the source master and embedded in the tests.

A public case carries its inputs and torch references (computed at release time), so students need only numpy.
A hidden case carries a seed and parameters; its inputs are generated and its references computed at grading
time, and it exists only in the grading bundles (otter autograder zip, nbgrader source).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

import numpy as np

ARRAY_KEY = "__array__"


def encode(value):
    """numpy arrays -> {'__array__': nested lists}; everything else JSON-able as it is."""
    if isinstance(value, np.ndarray):
        return {ARRAY_KEY: value.tolist()}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode(value):
    """Inverse of encode: {'__array__': ...} -> float64 ndarray."""
    if isinstance(value, dict):
        if set(value) == {ARRAY_KEY}:
            return np.array(value[ARRAY_KEY], dtype=np.float64)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


@dataclass(frozen=True)
class CaseSpec:
    """One set of inputs for a check: generated from (params, seed), or given literally (worked examples)."""

    id: str
    params: dict
    seed: int | None = None
    inputs: dict | None = None        # encoded; present for public and literal cases
    reference: dict | None = None     # encoded torch results; present for public cases after release

    @classmethod
    def from_dict(cls, data: dict) -> "CaseSpec":
        unknown = set(data) - {"id", "params", "seed", "inputs", "reference"}
        if unknown:
            raise ValueError(f"case {data.get('id')!r}: unknown keys {sorted(unknown)}")
        return cls(id=str(data["id"]), params=dict(data.get("params") or {}), seed=data.get("seed"),
                   inputs=data.get("inputs"), reference=data.get("reference"))

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def key(self) -> str:
        """Identity of the case for caching references: everything that determines its inputs."""
        return json.dumps({"params": self.params, "seed": self.seed, "inputs": self.inputs}, sort_keys=True)


@dataclass(frozen=True)
class TestSpec:
    """One graded test: a check run on some cases, worth some points, public or hidden."""

    __test__ = False  # not a pytest test class

    assignment: str
    question: str
    name: str
    check: str
    points: float
    hidden: bool
    description: str
    cases: tuple[CaseSpec, ...]
    settings: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "TestSpec":
        return cls(assignment=data["assignment"], question=data["question"], name=data["name"],
                   check=data["check"], points=float(data["points"]), hidden=bool(data["hidden"]),
                   description=data.get("description", ""),
                   cases=tuple(CaseSpec.from_dict(c) for c in data["cases"]),
                   settings=dict(data.get("settings") or {}))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["cases"] = [c.to_dict() for c in self.cases]
        return data

    def with_cases(self, cases) -> "TestSpec":
        return replace(self, cases=tuple(cases))

    @property
    def id(self) -> str:
        return f"{self.question}.{self.name}"


def scored(tests) -> list[TestSpec]:
    """The tests worth points: what otter runs (a test worth none is a report, shown by the other engines)."""
    return [t for t in tests if t.points > 0]


def read_test_data(path) -> dict[str, TestSpec]:
    """The tests of a test data file (`tests/<question>.json`, written by `course release`), by test name."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return {name: TestSpec.from_dict(spec) for name, spec in data["tests"].items()}
