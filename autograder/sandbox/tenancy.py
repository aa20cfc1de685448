"""A submission as a tenant (root only): cgroup v1 `memory` and `pids` groups of its own, under the grader's
current groups, holding every process of the submission; removed when the submission is done.

Without root no cgroup is writable: the submission's processes are then limited by its own user namespace
(RLIMIT_NPROC counts that namespace only) and its memory only as processes x the per-process limit.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
import uuid
from pathlib import Path

from .limits import Limits

CGROUPS = Path("/sys/fs/cgroup")
_counter = itertools.count(1)


def _current(controller: str) -> Path | None:
    """The folder of this process's cgroup v1 group for `controller`, or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            folder = CGROUPS / controller / path.lstrip("/")
            return folder if folder.is_dir() else None
    return None


def cgroups_available() -> bool:
    """Can this process create memory and pids groups (root with cgroup v1 controllers)?"""
    if os.geteuid() != 0:
        return False
    folders = [_current("memory"), _current("pids")]
    return all(f is not None and os.access(f, os.W_OK) for f in folders)


class Tenant:
    """The cgroups of one submission: create, hold its processes, empty and remove."""

    def __init__(self, limits: Limits):
        name = f"course-sandbox-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}"
        self.groups: list[Path] = []
        for controller, settings in (("memory", {"memory.limit_in_bytes": limits.submission_memory_bytes}),
                                     ("pids", {"pids.max": limits.processes + 3})):  # + the forking ones
            folder = _current(controller) / name
            folder.mkdir()
            self.groups.append(folder)
            for key, value in settings.items():
                (folder / key).write_text(str(value))
            if controller == "memory" and (folder / "memory.memsw.limit_in_bytes").exists():
                (folder / "memory.memsw.limit_in_bytes").write_text(str(limits.submission_memory_bytes))
        self.home = [_current("memory"), _current("pids")]

    def enter(self, pid: int) -> None:
        """Move a process (the fork server, while it forks this submission's child) into the groups."""
        for folder in self.groups:
            (folder / "cgroup.procs").write_text(str(pid))

    def leave(self, pid: int) -> None:
        """Move it back to the grader's own groups: what it forked stays in the submission's."""
        for folder in self.home:
            (folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> set[int]:
        found = set()
        for folder in self.groups:
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except OSError:
                pass
        return found

    def remove(self) -> None:
        """Kill whatever is still in the groups, then remove them."""
        deadline = time.monotonic() + 10
        while True:
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                for folder in reversed(self.groups):
                    if folder.exists():
                        folder.rmdir()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)


class NoTenant:
    """Without root: the user namespace of each child is the tenant; nothing to create or remove."""

    groups: list[Path] = []

    def enter(self, pid: int) -> None:
        pass

    def leave(self, pid: int) -> None:
        pass

    def pids(self) -> set[int]:
        return set()

    def remove(self) -> None:
        pass
