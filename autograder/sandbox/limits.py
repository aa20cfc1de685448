"""Resource limits of a sandboxed child: per process (rlimits) and per submission (processes, scratch space,
memory of all its processes together where a cgroup is available)."""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 2 << 30           # address space of each process (RLIMIT_AS)
    cpu_seconds: int = 600                # CPU time of each process
    processes: int = 64                   # processes and threads of one submission (its own user namespace)
    file_bytes: int = 8 << 20             # largest file a process may write
    open_files: int = 256
    scratch_bytes: int = 64 << 20         # /tmp, /dev/shm, home and working folder of one submission, together
    submission_memory_bytes: int = 3 << 30  # all processes of one submission (cgroup, as root only)
    setup_timeout_s: float = 30.0         # the notebook's cells, at most (the submission's budget may cut it)

    def apply(self) -> None:
        """Per-process limits, set on the process about to exec the sandbox (inherited by all it starts)."""
        for limit, value in ((resource.RLIMIT_AS, self.memory_bytes), (resource.RLIMIT_CPU, self.cpu_seconds),
                             (resource.RLIMIT_FSIZE, self.file_bytes), (resource.RLIMIT_NOFILE, self.open_files),
                             (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(limit, (value, value))

    def describe(self) -> str:
        return (f"{self.memory_bytes >> 20} MiB memory and {self.cpu_seconds} s CPU per process, "
                f"{self.processes} processes and threads, {self.scratch_bytes >> 20} MiB scratch space, "
                f"{self.file_bytes >> 20} MiB per file")
