"""The sandboxed child: builds the submission's namespace from its cells, then serves the grader's driver requests.

Started inside the sandbox (see isolation.py) with the request pipe on one descriptor and the reply pipe on
another. It imports only the standard library, numpy and the read-only child runtime. Nothing it sends back is
trusted: the grader parses replies strictly and judges plain values against references the child never sees.
"""

import builtins
import os
import resource
import signal
import sys

from autograder.sandbox.framing import read_frame, write_frame

REQUEST_CAP = 1 << 30  # the grader's own requests (cells, inputs)


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
    """Student prints and warnings go nowhere: they cost no memory, disk or points (start-up errors stay logged)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def serve(requests: int, replies: int, namespace: dict, main_pid: int) -> None:
    from autograder import wire
    from autograder.drivers import DRIVERS, run_driver
    from autograder.student import StudentError

    while True:
        data = read_frame(requests, REQUEST_CAP)
        if data is None:
            return
        request = wire.loads(data)
        try:
            if request["driver"] not in DRIVERS:
                raise KeyError(f"unknown driver {request['driver']!r}")
            reply = {"outputs": wire.plain(run_driver(request["driver"], namespace, request["inputs"],
                                                      request["params"], request["settings"]))}
        except StudentError as exc:
            reply = {"student_error": str(exc)[:4000]}
        except SystemExit as exc:
            reply = {"student_error": f"your code called sys.exit({str(exc.code)[:100]}) while being graded"}
        except BaseException as exc:  # noqa: BLE001
            reply = {"student_error": f"your code raised {type(exc).__name__}: {str(exc)[:300]}"}
        if os.getpid() != main_pid:
            os._exit(0)  # a process the student's code forked: only the original answers the grader
        write_frame(replies, wire.dumps(reply))


def main(requests: int, replies: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the file size limit, writes fail instead of killing us
    from autograder import drivers, wire

    main_pid = os.getpid()
    setup = wire.loads(read_frame(requests, REQUEST_CAP))
    write_frame(replies, wire.dumps({"started": True}))
    silence_output()
    if setup.get("processes"):  # counted in this submission's own user namespace only
        resource.setrlimit(resource.RLIMIT_NPROC, (setup["processes"], setup["processes"]))
    for name in setup.get("forbidden_modules", []):
        sys.modules[name] = None  # `import torch` in student code fails: the course is numpy only
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    notes = run_cells(setup["cells"], namespace)
    if os.getpid() != main_pid:
        os._exit(0)
    write_frame(replies, wire.dumps({"ready": True, "notes": notes}))
    serve(requests, replies, namespace, main_pid)
