"""What the child sees, and the bubblewrap command that builds it: an allowlist file system in namespaces of its
own (user, pid, mount, network, ipc, uts, cgroup), the same as root and as an ordinary user.

Visible to the child, read-only: the system's shared libraries (/usr, /lib, /lib64), the interpreter's prefix
(its standard library; every site-packages or dist-packages folder under it is covered by an empty folder),
numpy (at /sandbox/site) and the child runtime (at /sandbox/lib). Private and size-limited: /tmp (= /var/tmp),
/dev/shm, the home and the working folder. A minimal /dev, its own /proc, no network. Nothing else of the host.

As root the sandbox is started as user nobody (65534), so that no process of the child is root of anything; the
folders nobody could not reach (a Python under /root) are first bound into a private mount namespace.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np

from .limits import Limits

NOBODY = 65534
SITE, LIB, SCRATCH = "/sandbox/site", "/sandbox/lib", "/scratch"
WORKDIR, HOME = f"{SCRATCH}/work", f"{SCRATCH}/home"
SYSTEM = (Path("/usr"), Path("/lib"), Path("/lib64"), Path("/lib32"))
_CLONE_NEWNS, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x00020000, 4096, 16384, 1 << 18
_libc = ctypes.CDLL(None, use_errno=True)


def _traversable_by_others(path: Path) -> bool:
    """Can a user that owns nothing reach `path` (every folder above it searchable by others)?"""
    return all(os.stat(folder).st_mode & 0o001 for folder in [path, *path.parents] if folder.is_dir())


def _inside(path: Path, roots) -> bool:
    return any(path == root or root in path.parents for root in roots)


class Layout:
    """The host paths a child needs, where they appear in the sandbox, and the folders to cover."""

    def __init__(self, runtime: Path):
        self.python = Path(os.path.realpath(sys.executable))
        numpy_dir = Path(np.__file__).resolve().parent
        self.binds: list[tuple[Path, str]] = []     # (host path, path in the sandbox), read-only
        self.symlinks: list[tuple[str, str]] = []
        for system in SYSTEM:
            if system.is_symlink():
                self.symlinks.append((os.readlink(system), str(system)))
            elif system.is_dir():
                self.binds.append((system, str(system)))
        roots = [p for p, _ in self.binds]
        for extra in (Path(os.path.realpath(sys.base_prefix)), Path(sysconfig.get_paths()["stdlib"]).resolve(),
                      self.python.parent):
            if not _inside(extra, roots):
                self.binds.append((extra, str(extra)))
                roots.append(extra)
        self.covers = sorted({str(p) for root in roots for pattern in (
            "lib/python3*/site-packages", "lib/python3*/dist-packages", "lib/python3/dist-packages",
            "local/lib/python3*/site-packages", "local/lib/python3*/dist-packages", "python3*/site-packages",
            "python3/dist-packages") for p in root.glob(pattern) if p.is_dir()})
        self.binds.append((numpy_dir, f"{SITE}/numpy"))
        libs = numpy_dir.parent / "numpy.libs"
        if libs.is_dir():
            self.binds.append((libs, f"{SITE}/numpy.libs"))
        self.binds.append((runtime / "lib", LIB))
        self.stage_root = runtime / "stage"
        self.staged: dict[Path, Path] = {}
        if os.geteuid() == 0:
            for index, (source, _) in enumerate(self.binds):
                if not _traversable_by_others(source):
                    self.staged[source] = self.stage_root / str(index)
                    self.staged[source].mkdir(parents=True)

    def bootstrap(self, control: int, config: dict, lib: str = LIB, site: str = SITE) -> str:
        return (f"import sys; sys.path[:0] = [{lib!r}, {site!r}]; "
                f"from autograder.sandbox.server import main; main({control}, {json.dumps(config)!r})")


class Bubblewrap:
    """Builds the command line and the pre-exec step of a worker's fork server in its sandbox."""

    name = "bubblewrap"

    def __init__(self, layout: Layout, limits: Limits):
        self.layout, self.limits = layout, limits

    sandboxed = True

    def config(self) -> dict:
        """What the fork server gives every child: fresh scratch (/scratch and /dev/shm together) of this size."""
        shm = self.limits.scratch_bytes // 4
        return {"sandboxed": True, "scratch_bytes": self.limits.scratch_bytes - shm, "shm_bytes": shm}

    def command(self, control: int) -> list[str]:
        layout, server_scratch = self.layout, 1 << 20  # the server's own scratch; each child mounts fresh ones
        args = ["bwrap", "--unshare-all", "--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY),
                "--hostname", "sandbox", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        for source, destination in layout.binds:
            args += ["--ro-bind", str(layout.staged.get(source, source)), destination]
        for target, link in layout.symlinks:
            args += ["--symlink", target, link]
        for cover in layout.covers:
            args += ["--perms", "0555", "--size", "4096", "--tmpfs", cover]
        args += ["--dev", "/dev", "--perms", "1777", "--size", str(server_scratch), "--tmpfs", "/dev/shm",
                 "--remount-ro", "/dev", "--proc", "/proc",
                 "--perms", "1777", "--size", str(server_scratch), "--tmpfs", SCRATCH]
        for folder in ("tmp", "home", "work"):
            args += ["--perms", "1777", "--dir", f"{SCRATCH}/{folder}"]
        args += ["--symlink", f"{SCRATCH}/tmp", "/tmp", "--dir", "/var", "--symlink", f"{SCRATCH}/tmp", "/var/tmp",
                 "--chdir", WORKDIR, "--remount-ro", "/",
                 str(layout.python), "-I", "-S", "-c", layout.bootstrap(control, self.config())]
        return args

    def environment(self) -> dict:
        return {"PATH": "/usr/bin:/bin", "HOME": HOME, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    def before_exec(self) -> None:
        """In the forked process, before exec (root only does something): stage unreachable folders in a private
        mount namespace, then become nobody, so that bubblewrap itself runs unprivileged."""
        if os.geteuid() != 0:
            return
        if self.layout.staged:
            _check(_libc.unshare(_CLONE_NEWNS), "unshare")
            _check(_libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
            for source, stage in self.layout.staged.items():
                _check(_libc.mount(bytes(source), bytes(stage), None, _MS_BIND | _MS_REC, None), f"bind {source}")
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


class NoIsolation:
    """--no-sandbox: a plain child process with the resource limits, without namespaces (the instructor's choice)."""

    name = "none"
    sandboxed = False

    def __init__(self, layout: Layout, limits: Limits):
        self.layout, self.limits = layout, limits
        self.workdir = layout.stage_root.parent / "work"

    def command(self, control: int) -> list[str]:
        runtime = self.layout.stage_root.parent
        config = {"sandboxed": False, "workdir": str(self.workdir)}
        return [str(self.layout.python), "-I", "-S", "-c",
                self.layout.bootstrap(control, config, str(runtime / "lib"), str(runtime / "site"))]

    def environment(self) -> dict:
        return {"PATH": "/usr/bin:/bin", "HOME": str(self.workdir), "LANG": "C.UTF-8",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    def before_exec(self) -> None:
        pass


@functools.lru_cache(maxsize=None)
def bubblewrap_problem() -> str | None:
    """None when a bubblewrap sandbox can start here (root or not), else why not."""
    if not sys.platform.startswith("linux"):
        return f"no sandbox on {sys.platform}: bubblewrap needs Linux namespaces"
    if not shutil.which("bwrap"):
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    as_nobody = {"user": NOBODY, "group": NOBODY, "extra_groups": []} if os.geteuid() == 0 else {}
    probe = subprocess.run(["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/", "/",
                            "true"], capture_output=True, text=True, timeout=60, **as_nobody)
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here ({probe.stderr.strip()[:200]}); are user namespaces enabled?"
    return None
