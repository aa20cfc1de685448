"""Grading on a Dask distributed cluster: each worker grades with the same sandbox engine as a local run.

The instructor's machine discovers and reads the submissions, sends each notebook's bytes to the cluster, and
stores every result itself (atomically, resumable, as a local run does: this engine plugs into grade_folder).
Each worker process builds one engine per grading setup and computes its torch references once, when it is warmed
or on its first submission, never per student. A task whose worker dies is re-run by the scheduler on another one.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.engine import Engine
from ..grading.results import SubmissionResult
from ..grading.submissions import InputLimits, Submission, open_no_follow

_ENGINES: dict[str, Engine] = {}      # per worker process: setup token -> engine (references computed once)
_PREPARED: dict[str, int] = {}        # per worker process: setup token -> how many times references were computed
_LOCK = threading.Lock()


@dataclass(frozen=True)
class EngineSetup:
    """What a worker needs to build the engine a local run would use: tests, grading settings, isolation."""

    tests: list
    settings: dict
    sandbox: bool = True
    limits: InputLimits = field(default_factory=InputLimits)

    @property
    def token(self) -> str:
        data = {"tests": [t.to_dict() for t in self.tests], "settings": self.settings, "sandbox": self.sandbox}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def build(self) -> Engine:
        from .engine import SandboxEngine

        return SandboxEngine(self.tests, self.settings, sandbox=self.sandbox)


def worker_engine(setup: EngineSetup) -> Engine:
    """This worker's engine for `setup`, built and prepared (every reference computed) the first time only."""
    with _LOCK:
        engine = _ENGINES.get(setup.token)
        if engine is None:
            engine = setup.build()
            engine.prepare()
            _ENGINES[setup.token] = engine
            _PREPARED[setup.token] = _PREPARED.get(setup.token, 0) + 1
        return engine


def warm(setup: EngineSetup) -> str:
    """Run on every worker before grading: build the engine, compute the references; its isolation, as text."""
    return worker_engine(setup).isolation


def preparations(setup: EngineSetup) -> int:
    """How many times this worker computed the references for `setup` (0 or 1)."""
    return _PREPARED.get(setup.token, 0)


def close_engines(setup: EngineSetup) -> None:
    """Kill this worker's sandbox children and remove its runtime copy for `setup`."""
    with _LOCK:
        engine = _ENGINES.pop(setup.token, None)
    if engine is not None:
        engine.close()


def grade_remote(setup: EngineSetup, student: str, file_name: str, data: bytes) -> SubmissionResult:
    """On a worker: write the notebook's bytes to a private folder and grade them as a local run would."""
    from distributed import get_worker

    engine = worker_engine(setup)
    with tempfile.TemporaryDirectory(prefix="course-dask-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        result = engine.grade(Submission.from_path(path, setup.limits, student=student))
    result.isolation = f"{result.isolation}; on the Dask worker {get_worker().address}"
    return result


class DaskEngine:
    """An engine that sends each submission to a Dask cluster; results come back as the local engine's would."""

    name = "sandbox"   # the same engine as a local run: stored results are shared and resume works across both

    def __init__(self, scheduler, setup: EngineSetup, retries: int = 2):
        from distributed import Client

        self.setup, self.retries = setup, retries
        self.own_client = not hasattr(scheduler, "submit")
        self.client = Client(scheduler) if self.own_client else scheduler
        self.address = getattr(self.client.scheduler, "address", str(scheduler))
        self._isolation = ""

    @property
    def isolation(self) -> str:
        return self._isolation or f"on the Dask workers of {self.address} (sandboxed as a local run)"

    @property
    def threads(self) -> int:
        """How many submissions the cluster grades at once."""
        return max(1, sum(self.client.nthreads().values()))

    def prepare(self) -> None:
        """Build every worker's engine and compute its references before any submission is sent."""
        found = self.client.run(warm, self.setup)
        kinds = sorted(set(found.values()))
        self._isolation = f"Dask workers at {self.address} ({len(found)}): " + "; ".join(kinds)

    def grade(self, submission: Submission) -> SubmissionResult:
        with open_no_follow(submission.path) as f:
            data = f.read(submission.limits.archive_bytes + 1)
        future = self.client.submit(grade_remote, self.setup, submission.student, submission.path.name, data,
                                    pure=False, retries=self.retries)
        return future.result()

    def preparations(self) -> dict[str, int]:
        """worker address -> how many times it computed the references (the test asserts at most once)."""
        return self.client.run(preparations, self.setup)

    def close(self) -> None:
        try:
            self.client.run(close_engines, self.setup)
        finally:
            if self.own_client:
                self.client.close()

