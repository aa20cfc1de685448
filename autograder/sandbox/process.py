"""One sandboxed child as the grader sees it: started, asked, and killed with its whole process tree.

Every reply is read with a size cap while reading and parsed strictly (wire.loads, then the reply schema here);
a reply the grader cannot read is the student's failure for that test, and the child is killed. On every way out
of a dealing with the child that is not a clean reply (any exception included), the child is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile

from .. import wire
from ..runner import SandboxCrash
from ..student import GradingTimeout, StudentError
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


class ChildProcess:
    """A child in its sandbox, with its request and reply pipes and a log of what it wrote before starting."""

    def __init__(self, isolation, tenant, setup: dict, start_timeout: float):
        self._requests = self._replies = -1
        self.process = None
        self._log = tempfile.TemporaryFile()
        request_read, self._requests = os.pipe()
        self._replies, reply_write = os.pipe()

        def before_exec():
            isolation.limits.apply()
            tenant.join()
            isolation.before_exec()

        try:
            self.process = subprocess.Popen(
                isolation.command(request_read, reply_write), stdin=subprocess.DEVNULL, stdout=self._log,
                stderr=self._log, pass_fds=(request_read, reply_write), env=isolation.environment(),
                start_new_session=True, preexec_fn=before_exec, cwd="/")
        except (OSError, subprocess.SubprocessError) as exc:
            self.kill()
            raise SandboxStartError(f"the sandbox could not start ({type(exc).__name__}: {exc})") from None
        finally:
            os.close(request_read)
            os.close(reply_write)
        try:
            self._send(setup)
            self.receive(start_timeout, "started", during="while starting")
        except BaseException as exc:
            self._log.seek(0)
            log = self._log.read()[-2000:].decode(errors="replace")
            self.kill()
            raise SandboxStartError(f"the sandbox could not start ({exc}) {log}".strip()) from None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _send(self, message) -> None:
        try:
            write_frame(self._requests, wire.dumps(message))
        except (BrokenPipeError, OSError):
            raise SandboxCrash(self._death("before it could be asked")) from None

    def receive(self, timeout: float, expected: str, during: str):
        """The next reply, checked against the schema of `expected`; the child is killed on any failure."""
        import time

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
            raise StudentError(reply["student_error"])
        return reply["outputs"]

    def _death(self, during: str) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        if code is not None and code < 0:
            return f"your code crashed the Python process {during} (signal {signal.Signals(-code).name})"
        if code is not None and code > 128 and code - 128 in signal.Signals._value2member_map_:
            return f"your code crashed the Python process {during} (signal {signal.Signals(code - 128).name})"
        return f"your code ended the Python process {during} (exit status {code}; os._exit?)"

    def kill(self) -> None:
        """Kill the sandbox (its pid namespace dies with it, taking every process of the child along)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        for fd in (self._requests, self._replies):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._requests = self._replies = -1
        self._log.close()
