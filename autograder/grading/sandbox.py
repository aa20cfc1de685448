"""The course's own grading engine: student code runs in a sandboxed child process, never in the grader.

The grader generates every input, computes the torch references (once per run, shared by all students), asks
the child to build the student's objects and call their methods, receives plain values and judges them in its
own process. Whatever the student's code does inside the child (patch numpy, fake the checks, loop forever,
crash) cannot raise its score, and one bad test costs only its own points: after a crash or a timeout the next
test gets a fresh child.

Isolation, strongest first, whichever the machine allows:
- Linux namespaces (as root): no network, its own pid and mount namespaces in which the course repository,
  the submissions and the grader's output are hidden, run as user nobody so process limits apply;
- otherwise resource limits and a process group of its own.
Both: an empty working directory, a scrubbed environment, limits on CPU time, memory, processes, file size and
open files, numpy as the only importable library, and a wall-clock limit per test that kills the child's whole
process group (loops that catch KeyboardInterrupt die too).
"""

from __future__ import annotations

import functools
import itertools
import os
import resource
import select
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from .. import wire
from ..config import REPO_ROOT
from ..runner import References, SandboxCrash, run_test
from ..student import GradingTimeout, StudentError
from .results import SubmissionResult, failed_tests
from .submissions import Submission, SubmissionError, read_notebook

HEADER = struct.Struct(">Q")
MAX_REPLY = 256 << 20
NOBODY = 65534
CHILD_MODULES = ("__init__", "drivers", "finite_differences", "sandbox_child", "student", "wire")
FORBIDDEN_MODULES = ("torch", "autograder.references", "autograder.checks", "autograder.runner", "otter")
NUMPY_SITE = Path(np.__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 2 << 30
    cpu_seconds: int = 600
    processes: int = 64
    file_bytes: int = 8 << 20
    open_files: int = 256
    setup_timeout_s: float = 30.0

    def apply(self) -> None:
        """In the forked child, before exec: the limits every process of the sandbox inherits."""
        for limit, value in ((resource.RLIMIT_AS, self.memory_bytes), (resource.RLIMIT_CPU, self.cpu_seconds),
                             (resource.RLIMIT_NPROC, self.processes), (resource.RLIMIT_FSIZE, self.file_bytes),
                             (resource.RLIMIT_NOFILE, self.open_files), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(limit, (value, value))


@functools.lru_cache(maxsize=None)
def namespaces_available() -> bool:
    """Can this process give a child its own network, mount and pid namespaces (root on Linux)?"""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv"):
        return False
    probe = subprocess.run(["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", "true"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def outermost(paths) -> list[Path]:
    """The paths that are not inside another of them."""
    paths = sorted(set(paths), key=lambda p: len(p.parts))
    return [p for i, p in enumerate(paths) if not any(q in p.parents for q in paths[:i])]


def _reveal_under(hidden: Path, keep: list[Path], stage: Path) -> list[str]:
    """Shell lines that hide `hidden` behind an empty tmpfs but keep the paths in `keep` visible at their place."""
    lines = []
    kept = [k for k in keep if hidden in k.parents]
    for i, path in enumerate(kept):
        lines.append(f"mkdir -p {stage}/{i} && mount --bind {shlex.quote(str(path))} {stage}/{i}")
    lines.append(f"mount -t tmpfs -o size=64k,mode=755 tmpfs {shlex.quote(str(hidden))}")
    for i, path in enumerate(kept):
        lines.append(f"mkdir -p {shlex.quote(str(path))} && mount --bind {stage}/{i} {shlex.quote(str(path))}")
    return lines


class SandboxPlan:
    """Everything the children of one grading run share: a private library copy, a numpy-only site folder, the
    paths to hide, the limits, and the isolation in force."""

    def __init__(self, hide: list[Path], limits: Limits | None = None, namespaces: bool | None = None):
        self.limits = limits or Limits()
        self.namespaces = namespaces_available() if namespaces is None else namespaces
        self.root = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
        os.chmod(self.root, 0o755)
        library = self.root / "lib" / "autograder"
        library.mkdir(parents=True)
        for name in CHILD_MODULES:
            shutil.copyfile(REPO_ROOT / "autograder" / f"{name}.py", library / f"{name}.py")
        self.site = self.root / "site"
        self.site.mkdir()
        for entry in NUMPY_SITE.iterdir():
            if entry.name == "numpy" or entry.name.startswith(("numpy.", "numpy-")):
                (self.site / entry.name).symlink_to(entry)
        self.python = Path(os.path.realpath(sys.executable))
        self.hide = sorted({p.resolve() for p in hide if p.exists()})
        self.stage = self.root / "stage"
        self.stage.mkdir()
        self._counter = itertools.count(1)  # thread-safe: -j N grades submissions in parallel

    @property
    def isolation(self) -> str:
        limits = (f"limits: {self.limits.memory_bytes >> 20} MiB memory, {self.limits.cpu_seconds} s CPU, "
                  f"{self.limits.processes} processes, {self.limits.file_bytes >> 20} MiB files")
        if self.namespaces:
            return ("sandboxed child: own network (none), pid and mount namespaces hiding the course repository, "
                    f"submissions and results; user nobody; numpy only; {limits}")
        return (f"sandboxed child: own process group and empty directory, numpy only; {limits}; no namespaces "
                "(run as root on Linux for network, pid and mount isolation)")

    def bootstrap(self, request_fd: int, reply_fd: int) -> str:
        return (f"import sys; sys.path[:0] = [{str(self.root / 'lib')!r}, {str(self.site)!r}]; "
                f"from autograder.sandbox_child import main; main({request_fd}, {reply_fd})")

    def command(self, workdir: Path, request_fd: int, reply_fd: int) -> list[str]:
        python = [str(self.python), "-I", "-S", "-c", self.bootstrap(request_fd, reply_fd)]
        if not self.namespaces:
            return python
        keep = outermost([Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), NUMPY_SITE, self.root])
        lines = ["set -e"]
        for i, hidden in enumerate(outermost(self.hide + self._private_ancestors(keep))):
            lines += _reveal_under(hidden, keep, self.stage / f"{workdir.name}-{i}")
        lines.append(f"cd {shlex.quote(str(workdir))}")
        lines.append("exec setpriv --reuid=%d --regid=%d --clear-groups --no-new-privs %s" % (
            NOBODY, NOBODY, " ".join(shlex.quote(part) for part in python)))
        return ["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
                "sh", "-c", "\n".join(lines)]

    @staticmethod
    def _private_ancestors(paths: list[Path]) -> list[Path]:
        """Folders (like /root) that user nobody cannot enter although something it needs lies below them."""
        found = set()
        for path in paths:
            for ancestor in path.parents:
                if ancestor != Path("/") and not os.stat(ancestor).st_mode & 0o001:
                    found.add(ancestor)
        return sorted(found, key=lambda p: len(p.parts))

    def new_workdir(self) -> Path:
        workdir = self.root / "work" / str(next(self._counter))
        workdir.mkdir(parents=True)
        if self.namespaces:
            os.chown(workdir, NOBODY, NOBODY)
        return workdir

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class SandboxStartError(RuntimeError):
    """The child could not even start (before any student code ran): a problem of the grading machine."""


class Sandbox:
    """One child process holding one submission's namespace, answering driver requests."""

    def __init__(self, plan: SandboxPlan, cells: list[str]):
        self.plan = plan
        self.workdir = plan.new_workdir()
        request_read, self._requests = os.pipe()
        self._replies, reply_write = os.pipe()
        self._output = open(self.workdir / "output.log", "wb")
        self.process = subprocess.Popen(
            plan.command(self.workdir, request_read, reply_write), cwd=self.workdir, stdin=subprocess.DEVNULL,
            stdout=self._output, stderr=self._output, pass_fds=(request_read, reply_write),
            env={"PATH": "/usr/bin:/bin", "HOME": str(self.workdir), "LANG": "C.UTF-8",
                 "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
            start_new_session=True, preexec_fn=plan.limits.apply)
        os.close(request_read)
        os.close(reply_write)
        self.notes: list[str] = []
        self._send({"cells": cells, "forbidden_modules": list(FORBIDDEN_MODULES)})
        try:
            self._receive(plan.limits.setup_timeout_s, during="while starting")
        except (SandboxCrash, GradingTimeout) as exc:
            log = (self.workdir / "output.log").read_text(errors="replace")[-2000:]
            raise SandboxStartError(f"the sandbox could not start ({exc}):\n{log}") from None
        reply = self._receive(plan.limits.setup_timeout_s, during="while your notebook's cells ran")
        self.notes = list(reply.get("notes", []))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _send(self, message) -> None:
        data = wire.dumps(message)
        try:
            os.write(self._requests, HEADER.pack(len(data)))
            view = memoryview(data)
            while view:
                view = view[os.write(self._requests, view):]
        except BrokenPipeError:
            raise SandboxCrash(self._death("before it could be asked")) from None

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks, missing = [], size
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._replies], [], [], remaining)[0]:
                raise GradingTimeout("time limit reached")
            chunk = os.read(self._replies, min(missing, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _receive(self, timeout: float, during: str):
        deadline = time.monotonic() + timeout
        try:
            (size,) = HEADER.unpack(self._read_exactly(HEADER.size, deadline))
            if size > MAX_REPLY:
                raise ValueError("reply too large")
            return wire.loads(self._read_exactly(size, deadline))
        except GradingTimeout:
            self.kill()
            raise GradingTimeout(f"timed out after {timeout:g} s {during}") from None
        except EOFError:
            raise SandboxCrash(self._death(during)) from None
        except (ValueError, KeyError, struct.error) as exc:
            self.kill()
            raise SandboxCrash(f"the grading channel was garbled {during} ({exc}); did your code write to its "
                               "file descriptors?") from None

    def _death(self, during: str) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        self.kill()
        if code is not None and code < 0:
            return f"your code crashed the Python process {during} (signal {signal.Signals(-code).name})"
        if code is not None and code >= 128 and code - 128 in signal.Signals._value2member_map_:
            return f"your code crashed the Python process {during} (signal {signal.Signals(code - 128).name})"
        return f"your code ended the Python process {during} (exit status {code}; os._exit?)"

    def run(self, driver: str, inputs, params, settings, timeout: float) -> dict:
        if not self.alive:
            raise SandboxCrash(self._death("before this test"))
        self._send({"driver": driver, "inputs": inputs, "params": params, "settings": settings})
        reply = self._receive(timeout, during="while a test ran")
        if "student_error" in reply:
            raise StudentError(str(reply["student_error"]))
        outputs = reply.get("outputs")
        if not isinstance(outputs, dict):
            raise SandboxCrash("the child sent something that is not a set of outputs")
        return outputs

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        for fd in (self._requests, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self._requests = self._replies = -1
        self._output.close()


class SandboxExecutor:
    """run_test's executor for one submission: a child per run of tests, replaced after a crash or timeout."""

    def __init__(self, plan: SandboxPlan, cells: list[str]):
        self.plan, self.cells = plan, cells
        self.sandbox: Sandbox | None = None
        self.setup_failure: str | None = None
        self.notes: list[str] = []

    def _ready(self) -> Sandbox:
        if self.setup_failure:
            raise SandboxCrash(self.setup_failure)
        if self.sandbox is None or not self.sandbox.alive:
            try:
                self.sandbox = Sandbox(self.plan, self.cells)
                self.notes = self.sandbox.notes
            except (SandboxCrash, GradingTimeout) as exc:
                self.setup_failure = str(exc)  # the notebook's own cells break the child: no use retrying
                raise SandboxCrash(self.setup_failure) from None
        return self.sandbox

    def run(self, driver, inputs, params, settings, timeout):
        sandbox = self._ready()
        try:
            return sandbox.run(driver, inputs, params, settings, timeout)
        except (SandboxCrash, GradingTimeout):
            sandbox.kill()  # the next test starts a fresh child
            raise

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.kill()


def notebook_code(nb: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """The code cells a submission's namespace is built from, and notes on what was left out.

    The course's own cells (otter's init, check cells) are skipped: grading replaces them. IPython magics and
    shell lines are not Python; they are dropped (replaced by `pass`, so blocks stay valid) with a note.
    """
    cells, notes = [], []
    for number, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        if cell.metadata.get("course", {}).get("role") in ("init", "question"):
            continue
        source = cell.source
        if source.lstrip().startswith("%%"):
            notes.append(f"code cell {number}: a cell magic ({source.split()[0]}) was left out")
            continue
        lines = []
        for line in source.splitlines():
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")):
                notes.append(f"code cell {number}: the IPython line {stripped[:40]!r} was left out")
                lines.append(line[: len(line) - len(stripped)] + "pass")
            else:
                lines.append(line)
        cells.append("\n".join(lines))
    return cells, notes


class SandboxEngine:
    """Grades submissions with sandboxed children; references are computed once and shared."""

    name = "sandbox"

    def __init__(self, tests, settings: dict, hide: list[Path], limits: Limits | None = None,
                 namespaces: bool | None = None):
        self.tests = tests
        self.plan = SandboxPlan(hide=[REPO_ROOT, *hide], limits=limits, namespaces=namespaces)
        self.references = References(settings.get("device", "auto"))

    @property
    def isolation(self) -> str:
        return self.plan.isolation

    def prepare(self) -> None:
        """Compute every case's torch reference before any student code runs."""
        from ..checks import get_check

        for spec in self.tests:
            check = get_check(spec.check)
            for case in spec.cases:
                self.references.get(check, case, check.inputs(case))

    def grade(self, submission: Submission) -> SubmissionResult:
        started = time.perf_counter()
        base = dict(assignment=self.tests[0].assignment, student=submission.student, file=submission.path.name,
                    content_hash=submission.content_hash, engine=self.name, isolation=self.isolation)
        try:
            nb = read_notebook(submission.path)
        except SubmissionError as exc:
            return SubmissionResult(**base, status="error", message=str(exc),
                                    tests=failed_tests(self.tests, "error", str(exc)),
                                    duration_s=round(time.perf_counter() - started, 3))
        cells, notes = notebook_code(nb)
        executor = SandboxExecutor(self.plan, cells)
        try:
            results = [run_test(spec, executor=executor, references=self.references) for spec in self.tests]
        finally:
            executor.close()
        return SubmissionResult(**base, status="graded", tests=results, notes=notes + executor.notes,
                                duration_s=round(time.perf_counter() - started, 3))

    def close(self) -> None:
        self.plan.close()
