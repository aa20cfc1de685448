"""The fork server (child side): one warm process per grading worker, inside the worker's sandbox, with numpy and
the child runtime imported. For each child the grader asks for, it forks a process that takes new user, pid,
mount and ipc namespaces of its own, mounts a fresh /proc and fresh size-limited scratch file systems (/scratch
with tmp, home and work; /dev/shm), drops every capability and runs child.main on the two pipes the grader sent.
Nothing one child leaves behind reaches the next: its namespaces and file systems die with it.

Control messages (a SOCK_SEQPACKET socket, JSON; pipes travel as SCM_RIGHTS): {"op": "fork"} + 2 descriptors ->
{"pid": n}; {"op": "kill", "pid": n, "grace": s} -> {"status": exit status} once every process of that child is gone.
Standard library, numpy and the child runtime only.
"""

import ctypes
import json
import os
import signal
import socket
import sys
import tempfile
import time
import traceback

_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWIPC = 0x00020000, 0x10000000, 0x20000000, 0x08000000
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_CHILD_SUBREAPER, _PR_CAP_AMBIENT = 1, 24, 36, 47
_PR_CAP_AMBIENT_CLEAR_ALL, _PR_SET_NO_NEW_PRIVS = 4, 38
_MS_NOSUID, _MS_NODEV = 2, 4
_libc = ctypes.CDLL(None, use_errno=True)
NOBODY = 65534


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str, options: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode(), _MS_NOSUID | _MS_NODEV,
                       options.encode() if options else None), f"mount {fstype} on {target}")


def _drop_capabilities() -> None:
    """No capability left, none to regain: the student's code may not touch the mounts made for it."""
    for cap in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _own_namespaces() -> None:
    """In the forked process: new user (uid and gid 65534 inside), pid, mount and ipc namespaces."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{NOBODY} {uid} 1"), ("gid_map", f"{NOBODY} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _private_file_systems(scratch_bytes: int, shm_bytes: int) -> str:
    """As pid 1 of the new namespace: fresh /proc, /scratch and /dev/shm; returns the working folder."""
    _mount("proc", "/proc", "proc")
    _mount("tmpfs", "/scratch", "tmpfs", f"size={scratch_bytes},mode=1777")
    _mount("tmpfs", "/dev/shm", "tmpfs", f"size={shm_bytes},mode=1777")
    for folder in ("tmp", "home", "work"):
        os.mkdir(f"/scratch/{folder}", 0o1777)
    return "/scratch/work"


def _child(fds: list[int], config: dict) -> None:
    """The forked process (never returns): namespaces, then a grandchild as pid 1 that runs child.main."""
    try:
        if config["sandboxed"]:
            _own_namespaces()
        pid = os.fork()
        if pid:
            for fd in fds:
                os.close(fd)
            _, status = os.waitpid(pid, 0)
            os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # its parent killed: the whole namespace dies
        if config["sandboxed"]:
            workdir = _private_file_systems(config["scratch_bytes"], config["shm_bytes"])
            _drop_capabilities()
            home, tmp = "/scratch/home", "/tmp"
        else:
            workdir = tempfile.mkdtemp(dir=config["workdir"])
            home = tmp = workdir
        os.chdir(workdir)
        os.environ.update({"HOME": home, "TMPDIR": tmp})
        requests, replies = os.dup(fds[0]), os.dup(fds[1])
        os.dup2(requests, 3)
        os.dup2(replies, 4)
        os.closerange(5, 1 << 16)
        from autograder.sandbox.child import main as child_main

        child_main(3, 4)
        os._exit(0)
    except BaseException:  # noqa: BLE001 - report to the server's log, never return into the server loop
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(70)


def _reap_all() -> None:
    """Wait for every remaining child (a killed child's pid 1, adopted by this subreaper)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _kill(pid: int, grace: float) -> int:
    """Kill a child (after up to `grace` seconds for it to end by itself, so that its own status is kept)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            _reap_all()
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        code = -9
    _reap_all()
    return code


def main(control_fd: int, config_json: str) -> None:
    config = json.loads(config_json)
    import numpy  # noqa: F401 - warm: every child forked from here has them imported
    from autograder import drivers, student, wire  # noqa: F401
    from autograder.sandbox import child  # noqa: F401

    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    control = socket.socket(fileno=control_fd)
    control.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, 4096, 2)
        if not message:
            return
        request = json.loads(message)
        if request["op"] == "fork" and len(fds) == 2:
            pid = os.fork()
            if pid == 0:
                control.close()
                _child(fds, config)
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "kill":
            status = _kill(int(request["pid"]), min(float(request.get("grace", 0)), 2.0))
            control.send(json.dumps({"status": status}).encode())
        else:
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"error": "unknown request"}).encode())
