"""Running one test: generate or load each case, get references, drive the student's code, judge, score."""

from __future__ import annotations

import copy
import json
import re
import time
import zlib
from dataclasses import asdict, dataclass, field

from .cases import CaseSpec, TestSpec
from .checks import Check, Tolerance, Verdict, get_check, with_reference_units
from .checks.simplify import simplifications
from .drivers import run_driver
from .drivers.registry import TIME_LEFT
from .mistakes import advice
from .references import References, default_references
from .student import NOT_IMPLEMENTED, ChildError, GradingTimeout, StudentError, captured_output, time_limit
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
            return plain(run_driver(driver, self.namespace, inputs, params, settings))


@dataclass
class CaseResult:
    id: str
    description: str
    passed: bool
    message: str = ""
    mistake: str | None = None
    credit: float = 0.0   # 1 when passed; a failed case's share (Verdict.partial); a test earns its smallest


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
    def note(self) -> str:
        """What a passed test still says (a report without points), or nothing."""
        return self.message if self.passed and self.message != ALL_PASSED else ""

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


def _failure_summary(spec: TestSpec, results: list[CaseResult]) -> tuple[str, str | None]:
    failed = [r for r in results if not r.passed]
    first = failed[0]
    where = f"case {results.index(first) + 1} of {len(spec.cases)} ({first.description})"
    more = f" ({len(failed) - 1} more case(s) failed too.)" if len(failed) > 1 else ""
    return f"{where}: {first.message}{more}", first.mistake


SKIP = "skip"
ALL_PASSED = "all cases passed"  # a passed test's message, unless its cases said more (see TestResult.note)


def _executor_remaining(executor) -> float:
    """What is left of the executor's own time budget (a sandbox has one per submission), if it has one."""
    remaining = getattr(executor, "remaining", None)
    return remaining() if callable(remaining) else float("inf")
NOT_RUN = "not run:"  # how an executor says it refused to call a method (one that timed out before, ...)


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
        remaining = min(deadline - time.monotonic(), self._executor_remaining())
        if remaining <= 0:
            return None
        try:
            outputs = self.executor.run(self.check.driver, copy.deepcopy(inputs), params, self.spec.settings, remaining)
            return not self.check.judge(params, inputs, outputs, values, self.tol).passed
        except StudentError as exc:
            if str(exc).startswith(NOT_RUN) or self._executor_remaining() <= 0:
                return None  # a method the executor no longer calls, or the submission's budget ran out
            return True
        except (GradingTimeout, Exception):  # a timeout (a BaseException), a crash, a fault in the grader: say nothing
            return None

    def _executor_remaining(self) -> float:
        return _executor_remaining(self.executor)

    def search(self, failing: CaseSpec) -> dict | None:
        """Shrink one kind of parameter at a time, as far as the code still fails, in rounds until a whole round
        changes nothing; then every simplification of the result was tried on it, and the first that passed is the
        nearest passing configuration. None when the search could not finish (allowance, probes, a timeout)."""
        name = self.check.name
        if not simplifications(name, failing.params):
            return None
        deadline = time.monotonic() + self.allowance
        current, probes = dict(failing.params), 0
        while True:
            moved, passed = False, {}
            for kind in dict.fromkeys(s.kind for s in simplifications(name, current)):
                shrinking = True
                while shrinking:
                    shrinking = False
                    for step in [s for s in simplifications(name, current) if s.kind == kind]:
                        if probes >= self.max_probes:
                            return None
                        probes += 1
                        verdict = self.fails(step.params, failing.seed, deadline)
                        if verdict is None:
                            return None
                        if verdict is True:
                            current, moved, shrinking = step.params, True, True
                            break
                        if verdict is False:
                            passed[kind] = step  # the last that passed: the nearest to what fails
            if not moved:
                break
        nearest = next((passed[s.kind] for s in simplifications(name, current) if s.kind in passed), None)
        if nearest is None and current == failing.params:
            return None
        return {"fails": current, "passes": nearest.params if nearest else None,
                "change": nearest.change if nearest else None}

    def describe(self, found: dict) -> str:
        text = f"Smallest failing configuration found: {self.check.describe(found['fails'])}"
        if found["passes"] is not None:
            text += f"; it passes with {found['change']}"
        return text + "."


def explain(result: "TestResult", spec: TestSpec, executor, references: References) -> None:
    """Add the smallest failing configuration to a failed hidden test's result (nothing else changes, the score
    least of all). A test that timed out or crashed is not searched: the search would only repeat it."""
    if not spec.hidden or result.status != "failed" or result.smallest is not None:
        return
    check = get_check(spec.check)
    failing, failed = next(((case, r) for case, r in zip(spec.cases, result.cases) if not r.passed), (None, None))
    if failing is None or NOT_IMPLEMENTED in failed.message:
        return  # code that is not written yet fails in every configuration: nothing to search
    searcher = SmallestFailing(check, spec, executor, references, Tolerance.from_settings(spec.settings))
    found = searcher.search(failing)
    if found:
        result.smallest = found
        result.message += " " + searcher.describe(found)


_RAISED = re.compile(r" raised ([A-Za-z_][A-Za-z0-9_]{0,39})\b")


def hidden_error_text(text: str) -> str:
    """What a hidden test shows of an error that came back from the student's code: its kind, never its text.

    The text is the student's own (their code builds it, and may put whatever the test handed it there: the
    hidden inputs, or the course's reference units); a public test, whose inputs are no secret, shows it whole."""
    if NOT_IMPLEMENTED in text:
        return "your code is not implemented yet (it raises NotImplementedError)"
    if "called sys.exit(" in text:
        return "your code called sys.exit() while being graded"
    raised = _RAISED.search(text)
    what = f"raised {raised.group(1)}" if raised else "failed"
    return (f"your code {what} on this hidden case; the error's own message is shown by public tests only "
            "(run them, or try the configuration below)")


def explain_failures(specs, results, executor, references: References) -> None:
    """explain() every result after all the tests ran: an engine with one time budget per submission calls this
    last, so that the search can never cost a later test its time."""
    for spec, result in zip(specs, results):
        explain(result, spec, executor, references)


def run_test(spec: TestSpec, namespace=None, references: References | None = None, executor=None,
             explain_failure: bool = True) -> TestResult:
    """Run every case of a test on the student's code; the test passes when all its cases pass.

    The code is reached through `executor` (a sandbox), or in this process through `namespace`. The time limit
    covers the student's code of all the test's cases together. A failed hidden test gets its smallest failing
    configuration (see SmallestFailing) unless explain_failure is False (the engine then calls explain_failures).
    """
    check = get_check(spec.check)
    if executor is None:  # in the kernel (otter, nbgrader)
        spec = with_reference_units([spec])[0]
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
            # a driver that works for as long as it may (a report's training) reads the time it has left
            settings = {**spec.settings, TIME_LEFT: min(remaining, _executor_remaining(executor))}
            outputs = executor.run(check.driver, copy.deepcopy(inputs), case.params, settings, remaining)
            verdict = check.judge(case.params, inputs, outputs, values, tol)
        except ChildError as exc:  # text the student's code wrote: a hidden test shows only its kind (and diagnosis)
            verdict = check.explain(case.params, str(exc))
            if spec.hidden:
                verdict = Verdict(False, hidden_error_text(str(exc)) + advice(verdict.mistake), verdict.mistake)
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
        results.append(CaseResult(case.id, description, verdict.passed, verdict.message, verdict.mistake,
                                  1.0 if verdict.passed else verdict.credit))

    passed = all(r.passed for r in results)
    # all or nothing, unless every failed case earned a share (Verdict.partial): then the smallest share
    earned = spec.points * min((r.credit for r in results), default=0.0) if not passed else 0.0
    if passed:  # a passing case may still say something (a report without points)
        message, mistake = " ".join(r.message for r in results if r.message) or ALL_PASSED, None
    else:
        status = "failed" if status == "passed" else status
        message, mistake = _failure_summary(spec, results)
    result = TestResult(assignment=spec.assignment, question=spec.question, name=spec.name,
                      description=spec.description, hidden=spec.hidden, points=spec.points,
                      score=spec.points if passed else round(earned, 6), status="passed" if passed else status,
                      message=message, mistake=mistake, cases=results, reference=provenance,
                      duration_s=round(time.perf_counter() - started, 4))
    if explain_failure:
        explain(result, spec, executor, references)
    return result
