"""The course's own grading engine: each submission's code runs in a sandboxed child, never in the grader.

The grader generates every input, computes the torch references once per run, asks the child to build the
student's objects and call their methods, receives plain values and judges them itself. See isolation.py for what
the child can see, tenancy.py for what one submission may use, executor.py for the time budget.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path

import numpy as np

from .. import checks
from ..student import GradingTimeout
from ..references import References
from ..release.runtime import shipped_files
from ..runner import explain_failures, run_test
from ..grading.notebook_code import notebook_code
from ..grading.results import SubmissionResult
from ..grading.submissions import Submission, SubmissionError, read_notebook
from ..grading.results import failed_tests
from .executor import SandboxExecutor
from .isolation import Bubblewrap, Layout, NoIsolation, bubblewrap_problem
from .limits import Limits
from .process import ForkServer, SandboxStartError
from .tenancy import NoTenant, Tenant, cgroups_available

FORBIDDEN_MODULES = ("torch", "scipy", "autograder.references", "autograder.checks", "autograder.runner", "otter")
CHILD_ENTRY = "sandbox/server.py"  # the module the child's bootstrap runs (isolation.Layout.bootstrap)
PACKAGE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0  # a fork server, or a child of one, that does not answer by then is the grader's problem
NO_SANDBOX = ("NO SANDBOX (--no-sandbox): student code ran in a plain child process with resource limits only; it "
              "could read and write whatever the grading user can")


class SandboxUnavailable(RuntimeError):
    """No isolation is possible on this machine; the message says why and what the instructor can do."""


def child_runtime_files() -> list[str]:
    """Every library file the child imports: its entry module and what it imports, nothing else."""
    return shipped_files(CHILD_ENTRY)


class Runtime:
    """A private copy of the child runtime (bound read-only into every sandbox) and a numpy-only site folder."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
        os.chmod(self.root, 0o755)
        for relative in child_runtime_files():
            target = self.root / "lib" / "autograder" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PACKAGE_DIR / relative, target)
        for folder in [self.root, *self.root.rglob("*")]:
            os.chmod(folder, 0o755 if folder.is_dir() else 0o644)
        site, numpy_dir = self.root / "site", Path(np.__file__).resolve().parent
        site.mkdir(mode=0o755)
        for entry in (numpy_dir, numpy_dir.parent / "numpy.libs"):
            if entry.exists():
                (site / entry.name).symlink_to(entry)
        (self.root / "work").mkdir(mode=0o755)
        self._remove = weakref.finalize(self, shutil.rmtree, str(self.root), True)  # also at exit, if never closed

    def close(self) -> None:
        self._remove()


def grading_order(tests) -> list[int]:
    """The order a submission's tests run in: tests that hand the child the course's reference units after every
    other scored test, so that student code cannot keep them for a test that judges the student's own units; tests
    worth no points (reports) last of all, on what is left of the budget."""
    return sorted(range(len(tests)), key=lambda i: (tests[i].points == 0, bool(tests[i].settings.get("driver_setup"))))


class SandboxEngine:
    """Grades submissions with sandboxed children; references are computed once and shared."""

    name = "sandbox"

    def __init__(self, tests, settings: dict, hide=(), limits: Limits | None = None, sandbox: bool = True,
                 budget_s: float | None = None):
        problem = bubblewrap_problem() if sandbox else None
        if problem:
            raise SandboxUnavailable(f"cannot isolate student code: {problem}. Pass --no-sandbox to grade anyway "
                                     "with resource limits only (every result then says so).")
        self.tests = checks.with_reference_units(tests)
        self.hide = list(hide)  # nothing outside the allowlist is visible to the child anyway
        self.limits = limits or Limits()
        self.budget_s = float(budget_s or settings.get("submission_budget_s") or 60)
        self.runtime = Runtime()
        layout = Layout(self.runtime.root)
        self.sandboxed = sandbox
        self.mode = Bubblewrap(layout, self.limits) if sandbox else NoIsolation(layout, self.limits)
        self.cgroups = sandbox and cgroups_available()
        self.references = References(settings.get("device", "auto"))
        self._live: set[SandboxExecutor] = set()
        self._idle: list[ForkServer] = []      # warm fork servers, one per worker at most
        self._servers: set[ForkServer] = set()
        self._lock = threading.Lock()

    @property
    def isolation(self) -> str:
        if not self.sandboxed:
            return f"{NO_SANDBOX}; {self.limits.describe()}; budget {self.budget_s:g} s per submission"
        memory = (f", {self.limits.submission_memory_bytes >> 20} MiB memory together (cgroup)" if self.cgroups
                  else " (memory bounded only as processes x the per-process limit: no cgroup without root)")
        return ("sandboxed child (bubblewrap): its own user, pid, mount, network and ipc namespaces, user nobody; "
                "sees only the Python standard library, numpy only and the read-only child runtime; "
                f"per submission: {self.limits.describe()}{memory}; budget {self.budget_s:g} s per submission")

    def prepare(self) -> None:
        """Compute every case's torch reference before any student code runs."""
        from ..checks import get_check

        for spec in self.tests:
            check = get_check(spec.check)
            for case in spec.cases:
                self.references.get(check, case, check.inputs(case))

    def _read(self, submission: Submission):
        read = getattr(submission, "read", None)
        return read() if read else read_notebook(submission.path)

    def grade(self, submission: Submission) -> SubmissionResult:
        started = time.perf_counter()
        base = dict(assignment=self.tests[0].assignment, student=submission.student, file=submission.path.name,
                    content_hash=submission.content_hash, engine=self.name, isolation=self.isolation)

        def duration() -> float:
            return round(time.perf_counter() - started, 3)

        try:
            nb = self._read(submission)
        except SubmissionError as exc:
            return SubmissionResult(**base, status="error", message=str(exc),
                                    tests=failed_tests(self.tests, "error", str(exc)), duration_s=duration())
        cells, notes = notebook_code(nb)
        try:
            with self.session(cells) as executor:
                order = grading_order(self.tests)
                ran = {i: run_test(self.tests[i], executor=executor, references=self.references,
                                   explain_failure=False) for i in order}
                results = [ran[i] for i in range(len(self.tests))]
                try:
                    explain_failures(self.tests, results, executor, self.references)  # last: costs no test time
                except GradingTimeout:
                    pass  # the search is never scored: a timeout ends it, the results stand
                if executor.start_failure:
                    raise SandboxStartError(executor.start_failure)
        except (SandboxStartError, OSError) as exc:
            return SubmissionResult(**base, status="not_graded", message=f"not graded: {exc}", duration_s=duration())
        return SubmissionResult(**base, status="graded", tests=results, notes=notes + executor.notes,
                                duration_s=duration())

    @contextlib.contextmanager
    def session(self, cells: list[str]):
        """run_test's executor for one submission's cells: its tenant, a warm fork server, its budget; on the
        way out (whatever happened) its children are killed and its tenant removed."""
        setup = {"cells": cells, "forbidden_modules": list(FORBIDDEN_MODULES),
                 "processes": self.limits.processes if self.sandboxed else None}
        tenant = executor = server = None
        try:
            tenant = Tenant(self.limits) if self.cgroups else NoTenant()
            server = self._server()
            executor = SandboxExecutor(server, tenant, setup, self.budget_s, START_TIMEOUT_S,
                                       self.limits.setup_timeout_s)
            with self._lock:
                self._live.add(executor)
            yield executor
        finally:
            if executor is not None:
                executor.close()
                with self._lock:
                    self._live.discard(executor)
            if server is not None:
                self._release(server)
            if tenant is not None:
                tenant.remove()

    def _server(self) -> ForkServer:
        """A warm fork server of no other worker (started when none is idle)."""
        with self._lock:
            while self._idle:
                server = self._idle.pop()
                if server.alive:
                    return server
                self._servers.discard(server)
                server.close()
        server = ForkServer(self.mode, START_TIMEOUT_S)
        with self._lock:
            self._servers.add(server)
        return server

    def _release(self, server: ForkServer) -> None:
        with self._lock:
            if server.alive:
                self._idle.append(server)
                return
            self._servers.discard(server)
        server.close()

    def close(self) -> None:
        """Kill every child and every fork server; remove the runtime copy."""
        with self._lock:
            live, servers = list(self._live), list(self._servers)
            self._servers.clear()
            self._idle.clear()
        for executor in live:
            executor.close()
        for server in servers:
            server.close()
        self.runtime.close()
