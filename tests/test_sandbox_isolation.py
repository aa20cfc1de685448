"""The sandbox's isolation, probed from inside by student code (fast tier): what a child can see and reach,
what one submission leaves to the next, and the strict reading of replies. Each probe runs cells in a real
sandboxed child and asks for the values they computed, as the grader asks for a student's answer."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from autograder import wire
from autograder.sandbox.engine import SandboxEngine
from autograder.sandbox.framing import HEADER
from autograder.sandbox.isolation import bubblewrap_problem
from autograder.sandbox.process import MAX_REPLY, check_reply
from autograder.sandbox.tenancy import CGROUPS

from .conftest import REPO_ROOT

VENV_SITE = str(Path(np.__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def engine():
    problem = bubblewrap_problem()
    if problem:
        pytest.skip(f"no sandbox on this machine: {problem}")  # CI=true turns this into a failure
    engine = SandboxEngine([], {"submission_budget_s": 60})
    yield engine
    engine.close()


def answers(engine, cells: list[str], names: list[str]) -> dict:
    """Run `cells` as a submission's notebook in one sandboxed child; the values of `names` it ends up with."""
    with engine.session(cells) as executor:
        return {name: executor.run("answer", {}, {"name": name}, {}, 30)["value"] for name in names}


PROBE = f"""
import glob, os, socket, sys
packages = sorted({{p for pattern in ('/usr/lib/python3*/*-packages', '/usr/local/lib/python3*/*-packages',
                                     sys.base_prefix + '/lib/python3*/*-packages', '/work/*/.venv/lib/python3*/*-packages',
                                     '/root/.pyenv/versions/*/lib/python3*/site-packages', {VENV_SITE!r})
                   for p in glob.glob(pattern)}})
listed = [p for p in packages if os.listdir(p)]
sys.path[:0] = packages + [{VENV_SITE!r}]
importable = []
for name in ('torch', 'scipy', 'otter', 'yaml', 'IPython', 'autograder.checks', 'autograder.runner'):
    try:
        __import__(name)
        importable.append(name)
    except Exception:
        pass
visible = [p for p in ({str(REPO_ROOT)!r}, {str(REPO_ROOT / 'solutions')!r}, '/etc/shadow', '/etc/passwd', '/root/.bashrc', '/root/.cache',
                       '/home', '/work', '/sys/fs/cgroup', '/run') if os.path.exists(p)]
try:
    socket.create_connection(('1.1.1.1', 53), timeout=1)
    network = 'connected'
except OSError:
    network = 'none'
uid = os.getuid()
processes = sorted(p for p in os.listdir('/proc') if p.isdigit())
writable = []
for folder in ('/sandbox/lib/autograder', '/sandbox/site/numpy', '/usr/lib', sys.base_prefix, '/', '/dev'):
    try:
        open(os.path.join(folder, 'planted.py'), 'w').write('x = 1')
        writable.append(folder)
    except OSError:
        pass
"""


def test_the_child_sees_only_the_standard_library_numpy_and_its_runtime(engine):
    got = answers(engine, [PROBE], ["listed", "importable", "visible", "network", "uid", "processes", "writable"])
    assert got["listed"] == [], "site-packages folders are visible"
    assert got["importable"] == []
    assert got["visible"] == []
    assert got["network"] == "none"
    assert got["uid"] == 65534
    assert len(got["processes"]) <= 2, got["processes"]  # its own pid namespace: itself (and its pid 1)
    assert got["writable"] == []


RING_WRITE = """
import os
written = []
for folder in ('/tmp', '/dev/shm', '/var/tmp', os.path.expanduser('~'), os.getcwd()):
    try:
        open(os.path.join(folder, 'ring-answer'), 'w').write('forward = lambda x: x')
        written.append(folder)
    except OSError:
        pass
"""
RING_READ = """
import os
found = [folder for folder in ('/tmp', '/dev/shm', '/var/tmp', os.path.expanduser('~'), os.getcwd())
         if os.path.exists(os.path.join(folder, 'ring-answer'))]
"""


def test_nothing_one_submission_writes_reaches_the_next(engine):
    assert len(answers(engine, [RING_WRITE], ["written"])["written"]) == 5  # its own scratch space is writable
    assert answers(engine, [RING_READ], ["found"])["found"] == []


DAEMON = """
import os, sys, time
marker = 'course-sandbox-daemon-{tag}'
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(300)  # ' + marker])
    os._exit(0)
time.sleep(0.5)
started = 1
"""


def host_processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def test_a_setsid_daemon_dies_with_its_submission_and_no_cgroup_is_left(engine):
    tag = f"{os.getpid()}-{time.monotonic_ns()}"
    marker = f"course-sandbox-daemon-{tag}"
    with engine.session([DAEMON.format(tag=tag)]) as executor:
        assert executor.run("answer", {}, {"name": "started"}, {}, 30)["value"] == 1
        assert host_processes_with(marker), "the daemon should run while its submission is graded"
    deadline = time.monotonic() + 5
    while host_processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert host_processes_with(marker) == []
    if engine.cgroups:
        assert not list(CGROUPS.glob(f"*/**/course-sandbox-{os.getpid()}-*"))


def frame(body: bytes) -> bytes:
    return HEADER.pack(len(body)) + body


HOSTILE = {
    "deeply nested": b'{"outputs": {"returned": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
    "unknown dtype": json.dumps({"outputs": {"returned": {"__ndarray__": ["object", [1], "AAAAAAAAAAA="]}}}).encode(),
    "huge integer": b'{"outputs": {"returned": 1' + b"0" * 30 + b"}}",
    "wrong types": json.dumps({"outputs": ["not", "a", "dict"]}).encode(),
    "unknown keys": json.dumps({"outputs": {}, "verdict": "passed"}).encode(),
    "lying array size": json.dumps({"outputs": {"r": {"__ndarray__": ["float64", [1 << 40], "AAAA"]}}}).encode(),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_reply_is_the_students_failure_and_the_next_child_is_fresh(engine, kind):
    sender = f"""
import os
def send():
    os.write(4, {frame(HOSTILE[kind])!r})
    os._exit(0)
class Hostile:
    def __init__(self):
        send()
after = 7
"""
    from autograder.runner import SandboxCrash

    with engine.session([sender]) as executor:
        with pytest.raises(SandboxCrash, match="cannot read"):
            executor.run("activator", {"value": np.zeros(2)}, {"activator": "Hostile", "method": "forward"}, {}, 30)
        assert executor.run("answer", {}, {"name": "after"}, {}, 30)["value"] == 7  # a fresh child answers


def test_replies_are_read_strictly():
    assert check_reply(wire.loads(wire.dumps({"outputs": {"x": np.ones(2)}})), "test")["outputs"]["x"].sum() == 2
    for bad in ({"outputs": {}, "extra": 1}, {"student_error": 3}, [1], {"ready": True}, {"started": 1}):
        with pytest.raises(wire.MalformedData):
            check_reply(bad, "test" if "ready" not in bad else "ready")
    assert MAX_REPLY <= 64 << 20
    with pytest.raises(wire.MalformedData):
        wire.loads(b"[" + b"0," * wire.MAX_VALUES + b"0]")


def test_without_a_sandbox_grading_refuses_unless_asked_and_then_says_so(monkeypatch):
    from autograder.sandbox import engine as engine_module

    monkeypatch.setattr(engine_module, "bubblewrap_problem", lambda: "user namespaces are disabled")
    with pytest.raises(engine_module.SandboxUnavailable, match="--no-sandbox"):
        SandboxEngine([], {})
    plain = SandboxEngine([], {}, sandbox=False)
    try:
        assert plain.isolation.startswith("NO SANDBOX")
        with plain.session(["x = 6 * 7"]) as executor:
            assert executor.run("answer", {}, {"name": "x"}, {}, 30)["value"] == 42
    finally:
        plain.close()
