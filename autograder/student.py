"""Calling student code and turning what it returns, or how it fails, into plain values and clear messages.

Only numpy and the standard library: this module runs wherever student code runs (in the notebook kernel for
otter and nbgrader, in a child process for the course's own engine).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import signal
import threading
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

from .wire import Unsupported

_LIBRARY_DIR = os.path.dirname(os.path.abspath(__file__))


NOT_IMPLEMENTED = "is not implemented yet"  # in every message about code that still raises NotImplementedError

class StudentError(Exception):
    """Student code could not produce a value; the message is written for the student."""


class ChildError(StudentError):
    """A StudentError whose text the sandboxed child wrote: the student's code may have chosen every word of it."""


class GradingTimeout(BaseException):
    """A test ran past its wall-clock limit. BaseException so that `except Exception` in student code cannot swallow it."""


def lookup(namespace, name: str, kind: str = "class"):
    """Fetch a class, function or answer from the student's namespace, or fail with a message that says what to do."""
    if name not in namespace:
        where = "in your notebook" if kind != "answer" else "(assign your answer to it)"
        raise StudentError(f"{name} is not defined {where}: run the cell that defines it and check the spelling")
    value = namespace[name]
    if kind == "class" and not isinstance(value, type):
        raise StudentError(f"{name} should be a class, but it is a {type(value).__name__}")
    if kind == "function" and not callable(value):
        raise StudentError(f"{name} should be a function, but it is a {type(value).__name__}")
    return value


def _student_frame(exc: BaseException) -> str:
    """' (in forward, line 7: `x = ...`)' for the innermost frame outside numpy and this library, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_LIBRARY_DIR) and "site-packages" not in f.filename
              and "/lib/python" not in f.filename]
    if not frames:
        return ""
    frame = frames[-1]
    code = f": `{frame.line.strip()}`" if frame.line else ""
    return f" (in {frame.name}, line {frame.lineno}{code})"


def call(label: str, function, *args, signature: str | None = None, **kwargs):
    """function(*args, **kwargs), with any failure turned into a StudentError naming `label`."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise StudentError(f"{label} {NOT_IMPLEMENTED} (it raises NotImplementedError)") from None
    except RecursionError:
        raise StudentError(f"{label} recursed without end (RecursionError)") from None
    except SystemExit as exc:  # as the sandbox's child says it; in a kernel it would end the grading
        raise StudentError(f"{label}: your code called sys.exit({str(exc.code)[:100]}) while being graded") from None
    except TypeError as exc:
        hint = f"; the course's signature is {signature}" if signature and "argument" in str(exc) else ""
        raise StudentError(f"{label} raised TypeError: {exc}{_student_frame(exc)}{hint}") from None
    except Exception as exc:  # student code may raise anything; report it, keep grading
        message = str(exc).strip() or "(no message)"
        raise StudentError(f"{label} raised {type(exc).__name__}: {message}{_student_frame(exc)}") from None


# The attributes the tests read, by class, as the stubs' docstrings name them (assignment 1 introduces them all).
CONTRACTS = {
    "Filter": ("weights", "bias", "weights_grad", "bias_grad"),
    "ConvLayer": ("filters", "output_width", "output_height", "output_array", "input_array", "padded_input_array",
                  "delta_array"),
    "MaxPoolingLayer": ("output_array", "delta_array"),
    "MeanPoolingLayer": ("output_array", "delta_array"),
}


def _listed(names) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def missing_attribute(label: str, attribute: str) -> str:
    """'Filter has no attribute `weights`: the tests read `weights`, `bias`, ... (see the docstring)'."""
    contract = CONTRACTS.get(label.split(".")[0].split("[")[0], ())
    if attribute in contract:
        return f"{label} has no attribute `{attribute}`: the tests read {_listed(contract)} (see the docstring)"
    return f"{label} has no attribute `{attribute}` (see the docstring)"


def get_attribute(obj, attribute: str, label: str):
    """obj.attribute, or a StudentError saying it is missing and which attributes the tests read."""
    try:
        return getattr(obj, attribute)
    except AttributeError:
        raise StudentError(missing_attribute(label, attribute)) from None
    except Exception as exc:
        raise StudentError(f"reading {label}.{attribute} raised {type(exc).__name__}: {exc}") from None


def call_static_or_bound(cls, method: str, args: tuple, label: str, signature: str):
    """Call cls.method(*args) whether the student wrote it as a staticmethod or as a plain method."""
    raw = inspect.getattr_static(cls, method, None)
    if raw is None:
        raise StudentError(f"{cls.__name__} has no method '{method}'")
    if isinstance(raw, (staticmethod, classmethod)):
        return call(label, getattr(cls, method), *args, signature=signature)
    instance = cls.__new__(cls)  # a plain method needs an instance, not a working __init__
    return call(label, getattr(instance, method), *args, signature=signature)


@dataclass(frozen=True)
class Returned:
    """A value a student method returned, converted to a float64 array, with what it originally was."""

    array: np.ndarray
    dtype: str          # the student's dtype, e.g. 'float64', 'int64', 'float32'
    kind: str           # 'array', 'scalar' or 'list'


def as_array(value, label: str) -> Returned:
    """Convert a returned value to a fresh float64 ndarray, refusing anything that is not plain numbers."""
    if value is None:
        owner, _, name = label.partition(".")
        if name in CONTRACTS.get(owner, ()):  # an attribute the tests read, not a method's return value
            raise StudentError(f"{label} is None: the tests read it (see the docstring)")
        raise StudentError(f"{label} returned None; it should return an array (did you forget `return`?)")
    if isinstance(value, Unsupported):
        raise StudentError(f"{label} returned {value.type_name}, expected an array")
    if isinstance(value, np.ndarray):
        kind = "array"
    elif isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        kind = "scalar"
    elif isinstance(value, (list, tuple)):
        kind = "list"
    else:
        raise StudentError(f"{label} returned {type(value).__module__}.{type(value).__qualname__}, expected an array")
    try:
        raw = np.array(value, copy=True, subok=False)
    except Exception as exc:
        raise StudentError(f"{label} returned something numpy cannot read as an array: {exc}") from None
    if raw.dtype.kind not in "biuf":
        raise StudentError(f"{label} returned an array of dtype {raw.dtype}, expected real numbers")
    return Returned(array=raw.astype(np.float64), dtype=str(raw.dtype), kind=kind)


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise GradingTimeout in the main thread after `seconds` of wall-clock time (no-op elsewhere)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def _expire(signum, frame):
        raise GradingTimeout(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def captured_output():
    """Swallow what student code prints and warns while it is graded (stderr would zero an nbgrader cell)."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings(record=True), np.errstate(all="ignore"):
        warnings.simplefilter("always")
        yield sink
