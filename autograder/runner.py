"""Running one test: generate or load each case, get references, drive the student's code, judge, score."""

from __future__ import annotations

import copy
import json
import time
import zlib
from dataclasses import asdict, dataclass, field

from .cases import CaseSpec, TestSpec, decode, encode
from .checks import Check, Tolerance, Verdict, driver_setup, get_check
from .checks.simplify import simplifications
from .drivers import DRIVERS, prepare
from .student import GradingTimeout, StudentError, captured_output, time_limit
from .wire import plain


class SandboxCrash(Exception):
    """The process running the student's code died or garbled its replies; the message says how."""


class InProcessExecutor:
    """Runs drivers in this process, on the student's namespace (how otter and nbgrader test cells work).

    Outputs are turned into plain values before anyone judges them, exactly as the sandbox does."""

    def __init__(self, namespace):
        self.namespace = namespace

    def run(self, driver: str, inputs: dict, params: dict, settings: dict, timeout: float) -> dict:
        with time_limit(timeout), captured_output():
            return plain(DRIVERS[driver](self.namespace, inputs, params, settings))


@dataclass
class CaseResult:
    id: str
    description: str
    passed: bool
    message: str = ""
    mistake: str | None = None


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class

    assignment: str
    question: str
    name: str
    description: str
    hidden: bool
    points: float
    score: float
    status: str                      # passed | failed | timeout | crashed | error (a fault in the grader)
    message: str
    mistake: str | None = None
    cases: list[CaseResult] = field(default_factory=list)
    reference: dict = field(default_factory=dict)
    duration_s: float = 0.0
    smallest: dict | None = None     # hidden failures: {'fails': params, 'passes': params, 'change': text}

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def id(self) -> str:
        return f"{self.question}.{self.name}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TestResult":
        data = dict(data)
        data["cases"] = [CaseResult(**c) for c in data.get("cases", [])]
        return cls(**data)


class References:
    """torch references for cases, computed once per (check, case) and reused for every submission."""

    def __init__(self, device: str = "auto"):
        self.device = device
        self._torch_ref = None
        self._cache: dict[tuple[str, str], tuple[dict, dict]] = {}

    @property
    def torch_ref(self):
        if self._torch_ref is None:
            from .references import TorchReference

            self._torch_ref = TorchReference(self.device)
        return self._torch_ref

    def compute(self, check: Check, case: CaseSpec, inputs: dict) -> tuple[dict, dict]:
        """(reference values, provenance) for a case, ignoring any stored reference."""
        key = (check.name, case.key)
        if key not in self._cache:
            values = check.references(case.params, inputs, self.torch_ref)
            self._cache[key] = (values, self.torch_ref.provenance)
        return self._cache[key]

    def get(self, check: Check, case: CaseSpec, inputs: dict) -> tuple[dict, dict]:
        """Stored references (public cases) when present, else computed with torch."""
        if case.reference is not None:
            return decode(case.reference["values"]), case.reference["provenance"]
        return self.compute(check, case, inputs)

    def materialize(self, check: Check, case: CaseSpec) -> CaseSpec:
        """The case with its inputs and torch references stored in it (what a public case ships with)."""
        inputs = check.inputs(case)
        values, provenance = self.compute(check, case, inputs)
        return CaseSpec(id=case.id, params=case.params, seed=None, inputs=encode(inputs),
                        reference={"values": encode(values), "provenance": provenance})


_DEFAULT_REFERENCES: dict[str, References] = {}


def default_references(device: str) -> References:
    """One References per device for the life of the process, so repeated tests reuse torch results."""
    return _DEFAULT_REFERENCES.setdefault(device, References(device))


def _failure_summary(spec: TestSpec, results: list[CaseResult]) -> tuple[str, str | None]:
    failed = [r for r in results if not r.passed]
    first = failed[0]
    where = f"case {results.index(first) + 1} of {len(spec.cases)} ({first.description})"
    more = f" ({len(failed) - 1} more case(s) failed too.)" if len(failed) > 1 else ""
    return f"{where}: {first.message}{more}", first.mistake


SKIP = "skip"


class SmallestFailing:
    """After a hidden failure: a greedy, ordered search for the simplest configuration that still fails.

    Starting from the first failing case's parameters, it tries the check's one-step simplifications in order on
    freshly generated inputs (seeds derived from the parameters, so a submission always gets the same answer),
    moves to the first one that fails, and stops when every simplification passes. It has its own time allowance,
    never changes the score, and reveals parameters only, never a hidden case's inputs or expected values."""

    def __init__(self, check: Check, spec: TestSpec, executor, references: "References", tol: Tolerance):
        self.check, self.spec, self.executor, self.references, self.tol = check, spec, executor, references, tol
        self.allowance = float(spec.settings.get("search_timeout_s", 5))
        self.max_probes = int(spec.settings.get("search_max_probes", 80))

    def seed(self, params: dict, base) -> int:
        return zlib.crc32(json.dumps({"params": params, "base": base}, sort_keys=True).encode())

    def fails(self, params: dict, base, deadline: float) -> bool | None | str:
        """Does the student's code fail on a generated case with these params? None: could not tell in time;
        SKIP: the grader cannot build this configuration (not a verdict on the student)."""
        case = CaseSpec(id="search", params=params, seed=self.seed(params, base))
        try:
            inputs = self.check.inputs(case)
            values, _ = self.references.compute(self.check, case, inputs)
        except Exception:
            return SKIP
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            outputs = self.executor.run(self.check.driver, copy.deepcopy(inputs), params, self.spec.settings, remaining)
            return not self.check.judge(params, inputs, outputs, values, self.tol).passed
        except StudentError:
            return True
        except Exception:  # timeout, crash, or a fault in the grader: stop searching, say nothing
            return None

    def search(self, failing: CaseSpec) -> dict | None:
        if not simplifications(self.check.name, failing.params):
            return None
        deadline = time.monotonic() + self.allowance
        current, passing, probes = dict(failing.params), None, 0
        while True:
            moved = False
            for change, simpler in simplifications(self.check.name, current):
                if probes >= self.max_probes:
                    break
                probes += 1
                verdict = self.fails(simpler, failing.seed, deadline)
                if verdict is None:
                    return None
                if verdict == SKIP:
                    continue
                if verdict:
                    current, passing, moved = simpler, None, True
                    break
                passing = passing or {"params": simpler, "change": change}
            if not moved:
                break
        if passing is None and current == failing.params:
            return None
        return {"fails": current, "passes": passing["params"] if passing else None,
                "change": passing["change"] if passing else None}

    def describe(self, found: dict) -> str:
        text = f"Smallest failing configuration found: {self.check.describe(found['fails'])}"
        if found["passes"] is not None:
            text += f"; it passes with {found['change']}"
        return text + "."


def run_test(spec: TestSpec, namespace=None, references: References | None = None, executor=None) -> TestResult:
    """Run every case of a test on the student's code; the test passes when all its cases pass.

    The code is reached through `executor` (a sandbox), or in this process through `namespace`. The time limit
    covers the student's code of all the test's cases together.
    """
    check = get_check(spec.check)
    if executor is None:  # in the kernel (otter, nbgrader): hand the drivers the course's reference units here
        prepare(driver_setup([spec]))
        executor = InProcessExecutor(namespace)
    tol = Tolerance.from_settings(spec.settings)
    references = references or default_references(spec.settings.get("device", "auto"))
    started = time.perf_counter()
    prepared, provenance = [], {}
    for case in spec.cases:  # grader-side work first, outside the student's time limit
        inputs = check.inputs(case)
        values, provenance = references.get(check, case, inputs)
        prepared.append((case, inputs, values))

    results: list[CaseResult] = []
    status = "passed"
    limit = float(spec.settings.get("test_timeout_s", 20))
    deadline = time.monotonic() + limit
    for position, (case, inputs, values) in enumerate(prepared):
        description = check.describe(case.params)
        try:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise GradingTimeout(f"timed out after {limit:g} s")
            outputs = executor.run(check.driver, copy.deepcopy(inputs), case.params, spec.settings, remaining)
            verdict = check.judge(case.params, inputs, outputs, values, tol)
        except StudentError as exc:
            verdict = check.explain(case.params, str(exc))
        except (GradingTimeout, SandboxCrash) as exc:
            timed_out = isinstance(exc, GradingTimeout)
            status = "timeout" if timed_out else "crashed"
            message = (f"timed out after {limit:g} s (an endless loop, or far too slow?); this test is stopped"
                       if timed_out else str(exc))
            results.append(CaseResult(case.id, description, False, message, None))
            for rest, _, _ in prepared[position + 1:]:
                results.append(CaseResult(rest.id, check.describe(rest.params), False,
                                          "not run: an earlier case of this test was stopped", None))
            break
        except Exception as exc:  # a fault in the grader itself: never blame the student silently
            status = "error"
            verdict = Verdict(False, f"internal error in the grader ({type(exc).__name__}: {exc}); "
                                     "please report this to the course staff")
        results.append(CaseResult(case.id, description, verdict.passed, verdict.message, verdict.mistake))

    passed = all(r.passed for r in results)
    if passed:
        message, mistake = "all cases passed", None
    else:
        status = "failed" if status == "passed" else status
        message, mistake = _failure_summary(spec, results)
    smallest = None
    if spec.hidden and status == "failed":  # never after a timeout or a crash: the search would only repeat it
        failing = next(case for case, result in zip(spec.cases, results) if not result.passed)
        searcher = SmallestFailing(check, spec, executor, references, tol)
        smallest = searcher.search(failing)
        if smallest:
            message += " " + searcher.describe(smallest)
    return TestResult(assignment=spec.assignment, question=spec.question, name=spec.name,
                      description=spec.description, hidden=spec.hidden, points=spec.points,
                      score=spec.points if passed else 0.0, status="passed" if passed else status,
                      message=message, mistake=mistake, cases=results, reference=provenance,
                      duration_s=round(time.perf_counter() - started, 4), smallest=smallest)
