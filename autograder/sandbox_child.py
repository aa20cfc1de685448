"""The sandbox child: runs a submission's code, then serves the grader's driver requests.

Started by grading/sandbox.py in an empty directory with a scrubbed environment, resource limits, and (where the
OS allows) its own network, mount and pid namespaces as an unprivileged user. It talks to the grader over file
descriptors 3 (requests) and 4 (replies), each message an 8-byte length and JSON; the student's stdout and
stderr go to a size-limited file. It imports only numpy and a private copy of the drivers. Nothing it sends
back is trusted: the grader judges plain values against references the child never sees.
"""

import builtins
import os
import signal
import struct
import sys

HEADER = struct.Struct(">Q")
REQUESTS = REPLIES = -1  # file descriptors, set by main


def read_message():
    header = b""
    while len(header) < HEADER.size:
        chunk = os.read(REQUESTS, HEADER.size - len(header))
        if not chunk:
            return None
        header += chunk
    (size,) = HEADER.unpack(header)
    body = bytearray()
    while len(body) < size:
        chunk = os.read(REQUESTS, min(1 << 20, size - len(body)))
        if not chunk:
            return None
        body += chunk
    return bytes(body)


def send_message(data: bytes) -> None:
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(REPLIES, view):]


def run_cells(cells, namespace) -> list:
    """Execute the notebook's code cells in order; a failing cell is noted and the next one still runs."""
    notes = []
    for index, code in enumerate(cells):
        try:
            exec(compile(code, f"<cell {index + 1}>", "exec"), namespace)
        except SystemExit:
            notes.append(f"cell {index + 1} called sys.exit(); the cells after it still ran")
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, KeyboardInterrupt included
            notes.append(f"cell {index + 1} raised {type(exc).__name__}: {str(exc)[:200]}")
    return notes


def silence_output() -> None:
    """Student prints and warnings go nowhere: they cost no memory, disk or points (setup errors stay logged)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def main(request_fd: int, reply_fd: int) -> None:
    global REQUESTS, REPLIES
    REQUESTS, REPLIES = request_fd, reply_fd
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the file size limit, writes fail instead of killing us
    from autograder import wire
    from autograder.drivers import DRIVERS
    from autograder.student import StudentError

    main_pid = os.getpid()
    setup = wire.loads(read_message())
    send_message(wire.dumps({"started": True}))
    silence_output()
    for name in setup.get("forbidden_modules", []):
        sys.modules[name] = None  # `import torch` in student code fails: the course is numpy only
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    notes = run_cells(setup["cells"], namespace)
    if os.getpid() != main_pid:
        os._exit(0)  # a process the student's cells forked: only the original answers the grader
    send_message(wire.dumps({"ready": True, "notes": notes}))
    while True:
        data = read_message()
        if data is None:
            return
        request = wire.loads(data)
        try:
            driver = DRIVERS[request["driver"]]
            outputs = wire.plain(driver(namespace, request["inputs"], request["params"], request["settings"]))
            reply = {"outputs": outputs}
        except StudentError as exc:
            reply = {"student_error": str(exc)}
        except SystemExit as exc:
            reply = {"student_error": f"your code called sys.exit({exc.code!r}) while being graded"}
        except BaseException as exc:  # noqa: BLE001
            reply = {"student_error": f"your code raised {type(exc).__name__}: {str(exc)[:300]}"}
        if os.getpid() != main_pid:
            os._exit(0)
        send_message(wire.dumps(reply))


