"""One sandboxed child as the grader sees it: started, asked, and killed with its whole process tree.

Every reply is read with a size cap while reading and parsed strictly (wire.loads, then the reply schema here);
a reply the grader cannot read is the student's failure for that test, and the child is killed. On every way out
of a dealing with the child that is not a clean reply (any exception included), the child is killed.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .. import wire
from ..runner import SandboxCrash
from ..student import ChildError, GradingTimeout
from .framing import FrameTimeout, FrameTooLarge, read_frame, write_frame

MAX_REPLY = 32 << 20
MAX_TEXT = 4096      # one message from the child
MAX_NOTES = 50


class SandboxStartError(RuntimeError):
    """The sandbox could not start before any student code ran: the grading machine's problem, never the student's."""


class UnreadableReply(SandboxCrash):
    """The child sent bytes that are not a reply the grader accepts (size, nesting, types, dtypes, schema)."""


def _text(value, what: str) -> str:
    if type(value) is not str:
        raise wire.MalformedData(f"{what} is not text")
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f" ... [{len(value) - MAX_TEXT} characters left out]"


def check_reply(reply, expected: str):
    """The reply if it has the shape `expected` ('started', 'ready' or 'test') calls for, else MalformedData."""
    if type(reply) is not dict:
        raise wire.MalformedData("a reply must be an object")
    keys = set(reply)
    if expected == "started" and reply == {"started": True}:
        return reply
    if expected == "ready" and keys == {"ready", "notes"} and reply["ready"] is True and type(reply["notes"]) is list:
        return {"ready": True, "notes": [_text(n, "a note") for n in reply["notes"][:MAX_NOTES]]}
    if expected == "test" and keys == {"student_error"}:
        return {"student_error": _text(reply["student_error"], "an error message")}
    if expected == "test" and keys == {"outputs"} and type(reply["outputs"]) is dict:
        return reply
    raise wire.MalformedData(f"unexpected keys {sorted(keys)[:5]} in a reply")


class ForkServer:
    """A worker's warm process in its sandbox (see server.py): forks children on request, kills them on request."""

    def __init__(self, isolation, start_timeout: float = 60.0):
        self.isolation = isolation
        self._log = tempfile.TemporaryFile()
        self.control, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = None
        try:
            self.process = subprocess.Popen(
                isolation.command(server_end.fileno()), stdin=subprocess.DEVNULL, stdout=self._log,
                stderr=self._log, pass_fds=(server_end.fileno(),), env=isolation.environment(),
                start_new_session=True, preexec_fn=self._before_exec, cwd="/")
        except (OSError, subprocess.SubprocessError) as exc:
            self.close()
            raise SandboxStartError(f"the sandbox could not start ({type(exc).__name__}: {exc})") from None
        finally:
            server_end.close()
        self._ask(None, start_timeout)
        self._host_pid: int | None = None

    def _before_exec(self) -> None:
        self.isolation.limits.apply()
        self.isolation.before_exec()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self) -> str:
        self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, self._log.tell() - 2000))
        return self._log.read().decode(errors="replace")

    def _ask(self, message: dict | None, timeout: float, fds=()) -> dict:
        """Send a control message (None: only wait for the next) and return the server's answer."""
        try:
            if message is not None:
                socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
            if not select.select([self.control], [], [], timeout)[0]:
                raise TimeoutError(f"no answer within {timeout:g} s")
            answer = self.control.recv(4096)
            if not answer:
                raise EOFError("the sandbox ended")
            return json.loads(answer)
        except (OSError, EOFError, ValueError) as exc:
            log = self.log_tail().strip()
            self.close()
            raise SandboxStartError(f"the sandbox failed ({exc}){': ' + log if log else ''}") from None

    def host_pid(self) -> int:
        """The server's pid as the grader sees it (bubblewrap -> its pid 1 -> the server)."""
        if self._host_pid is None:
            pid = self.process.pid
            if self.isolation.sandboxed:
                for _ in range(2):
                    pid = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
            self._host_pid = pid
        return self._host_pid

    def fork(self, tenant, timeout: float = 30.0) -> tuple[int, int, int]:
        """A new child: (its id for kill, the grader's request descriptor, the grader's reply descriptor)."""
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        try:
            entered = False
            if tenant.groups:
                tenant.enter(self.host_pid())
                entered = True
            answer = self._ask({"op": "fork"}, timeout, fds=(request_read, reply_write))
        except BaseException:
            os.close(request_write)
            os.close(reply_read)
            raise
        finally:
            os.close(request_read)
            os.close(reply_write)
            if tenant.groups and entered and self.alive:
                tenant.leave(self.host_pid())
        return int(answer["pid"]), request_write, reply_read

    def kill(self, pid: int, grace: float = 0.0) -> int | None:
        """Kill a child and every process it started (after `grace` seconds for it to end by itself); its exit
        status (None if the server had to go too)."""
        if not self.alive:
            return None
        try:
            return int(self._ask({"op": "kill", "pid": pid, "grace": grace}, 30.0)["status"])
        except SandboxStartError:
            return None

    def close(self) -> None:
        """Kill the server and everything in its sandbox (its pid namespace dies with it)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.control.close()
        self._log.close()


class ChildProcess:
    """One child of a fork server, holding one submission's namespace, with its request and reply pipes."""

    def __init__(self, server: ForkServer, tenant, setup: dict, start_timeout: float):
        self.server = server
        self.pid, self._requests, self._replies = server.fork(tenant)
        self.status: int | None = None
        self.killed = False
        try:
            self._send(setup)
            self.receive(start_timeout, "started", during="while starting")
        except BaseException as exc:
            self.kill()
            log = server.log_tail().strip()
            raise SandboxStartError(f"the sandbox could not start ({exc}){': ' + log if log else ''}") from None

    @property
    def alive(self) -> bool:
        return not self.killed

    def _send(self, message) -> None:
        try:
            write_frame(self._requests, wire.dumps(message))
        except OSError:
            raise SandboxCrash(self._death("before it could be asked")) from None

    def receive(self, timeout: float, expected: str, during: str):
        """The next reply, checked against the schema of `expected`; the child is killed on any failure."""
        try:
            data = read_frame(self._replies, MAX_REPLY, time.monotonic() + timeout)
            if data is None:
                raise SandboxCrash(self._death(during))
            return check_reply(wire.loads(data), expected)
        except FrameTimeout:
            self.kill()
            raise GradingTimeout(f"timed out after {timeout:g} s {during}") from None
        except (FrameTooLarge, wire.MalformedData) as exc:
            self.kill()
            raise UnreadableReply(f"your code sent a reply the grader cannot read {during} ({exc}); did it write "
                                  "to the grader's pipes or return something unusual?") from None
        except BaseException:
            self.kill()
            raise

    def run(self, driver: str, inputs, params, settings, timeout: float) -> dict:
        if not self.alive:
            raise SandboxCrash(self._death("before this test"))
        self._send({"driver": driver, "inputs": inputs, "params": params, "settings": settings})
        reply = self.receive(timeout, "test", during="while a test ran")
        if "student_error" in reply:
            raise ChildError(reply["student_error"])
        return reply["outputs"]

    def _death(self, during: str) -> str:
        self.kill(grace=1.0)  # its reply pipe closed: it is ending, let it tell how
        code = self.status
        if code is not None and code < 0:
            return f"your code crashed the Python process {during} (signal {signal.Signals(-code).name})"
        if code is not None and code > 128 and code - 128 in signal.Signals._value2member_map_:
            return f"your code crashed the Python process {during} (signal {signal.Signals(code - 128).name})"
        return f"your code ended the Python process {during} (exit status {code}; os._exit?)"

    def kill(self, grace: float = 0.0) -> None:
        """Kill the child with every process it started (its pid namespace dies with its pid 1)."""
        if self.killed:
            return
        self.killed = True
        self.status = self.server.kill(self.pid, grace)
        for fd in (self._requests, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
