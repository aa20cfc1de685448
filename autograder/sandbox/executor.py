"""run_test's executor for one submission: one time budget for start-up, restarts and every test; a fresh child
after a crash or a timeout; a method that timed out is not called again."""

from __future__ import annotations

import time

from ..runner import SandboxCrash
from ..student import GradingTimeout, StudentError
from .process import ChildProcess, SandboxStartError

BUDGET_SPENT = "time budget for this submission spent ({budget:g} s for start-up, restarts and every test together)"


def method_key(driver: str, params: dict) -> tuple:
    """What identifies the student's method a request calls: the driver, the method it names (and the class, for
    the activator driver), not the case's other parameters."""
    named = [params.get(p) for p in ("method", "kind", "name")]
    if driver == "activator":
        named.append(params.get("activator"))
    return (driver, *(n for n in named if isinstance(n, str)))


class SandboxExecutor:
    """Starts children for one submission (the cells run once per child) within the submission's budget."""

    def __init__(self, server, tenant, setup: dict, budget_s: float, start_timeout_s: float, cells_timeout_s: float):
        self.server, self.tenant, self.setup = server, tenant, setup
        self.cells_timeout_s = cells_timeout_s
        self.budget_s, self.start_timeout_s = budget_s, start_timeout_s
        self.deadline = time.monotonic() + budget_s
        self.child: ChildProcess | None = None
        self.setup_failure: str | None = None
        self.start_failure: str | None = None     # the grader's problem: the submission is not graded
        self.timed_out: dict[tuple, str] = {}
        self.notes: list[str] = []

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _budget_spent(self) -> StudentError:
        return StudentError(BUDGET_SPENT.format(budget=self.budget_s))

    def _ready(self) -> ChildProcess:
        if self.start_failure:
            raise SandboxCrash(f"not graded: {self.start_failure}")
        if self.setup_failure:
            raise SandboxCrash(self.setup_failure)
        if self.child is not None and self.child.alive:
            return self.child
        if self.child is not None:
            self.child.kill()
        try:
            self.child = ChildProcess(self.server, self.tenant, self.setup, self.start_timeout_s)
        except SandboxStartError as exc:
            self.start_failure = str(exc)
            raise SandboxCrash(f"not graded: {exc}") from None
        cells_limit = min(self.cells_timeout_s, self.remaining())
        try:
            reply = self.child.receive(cells_limit, "ready", during="while your notebook's cells ran")
        except GradingTimeout:
            if cells_limit < self.cells_timeout_s:
                raise self._budget_spent() from None
            self.setup_failure = f"your notebook's cells did not finish within {cells_limit:g} s"
            raise SandboxCrash(self.setup_failure) from None
        except SandboxCrash as exc:
            self.setup_failure = str(exc)  # the notebook's own cells break the child: no use running them again
            raise
        self.notes = reply["notes"]
        return self.child

    def run(self, driver, inputs, params, settings, timeout):
        key = method_key(driver, params)
        if key in self.timed_out:
            raise StudentError(f"not run: {self.timed_out[key]} timed out earlier in this submission, so it is not "
                               "called again")
        if self.remaining() <= 0:
            raise self._budget_spent()
        child = self._ready()
        limit = min(timeout, self.remaining())
        if limit <= 0:
            raise self._budget_spent()
        try:
            return child.run(driver, inputs, params, settings, limit)
        except GradingTimeout:
            child.kill()
            self.timed_out[key] = " ".join(key)
            if limit < timeout:
                raise self._budget_spent() from None
            raise

    def close(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None
