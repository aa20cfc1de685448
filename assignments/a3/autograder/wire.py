"""Plain values: what may cross from student code to the judges. Numbers, strings, None, lists, tuples, dicts
with string keys and numeric ndarrays (copied, base class); anything else becomes an Unsupported marker that
names its type. The same conversion runs in-process (otter, nbgrader) and in the sandbox child, where the
result is also sent as JSON, so a judge never touches a student object.
"""

from __future__ import annotations

import base64
import json

import numpy as np

MAX_DEPTH = 6


class Unsupported:
    """Stands for a value of a type the judges refuse (an object with its own __eq__, a generator, ...)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def _type_name(value) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def plain(value, depth: int = 0):
    """A copy of `value` made only of plain types, or Unsupported markers where it was not plain."""
    if depth > MAX_DEPTH:
        return Unsupported("a structure nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.ndarray):
        array = np.array(value, copy=True, subok=False)  # subclasses lose their methods here
        return array if array.dtype.kind in "biuf" else Unsupported(f"numpy array of dtype {array.dtype}")
    if type(value) in (np.bool_,) or isinstance(value, (np.integer, np.floating)) and type(value).__module__ == "numpy":
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(plain(v, depth + 1) for v in value)
    if type(value) is dict and all(type(k) is str for k in value):
        return {k: plain(v, depth + 1) for k, v in value.items()}
    return Unsupported(_type_name(value))


_PLAIN_SCALARS = (str, int, float, bool, type(None))
_DTYPE_NAMES: dict = {}


def _dtype_name(dtype: np.dtype) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name


def _to_jsonable(value):
    if type(value) in _PLAIN_SCALARS:
        return value
    if isinstance(value, Unsupported):
        return {"__unsupported__": value.type_name}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": [_dtype_name(value.dtype), list(value.shape),
                                base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")]}
    if isinstance(value, np.generic):
        return {"__scalar__": [_dtype_name(value.dtype), value.item()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_jsonable(v) for k, v in value.items()}
    return value


class MalformedData(ValueError):
    """Bytes that are not a message made by dumps, or that exceed a bound of loads."""


DTYPES = frozenset(["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                    "float16", "float32", "float64", "float128"])
MAX_NESTING = 32             # containers inside containers
MAX_VALUES = 1_000_000       # JSON values in one message, counted before parsing
MAX_ARRAY_ELEMENTS = 1 << 24  # elements of one array, checked before its data is decoded
MAX_DIMENSIONS = 8
INT_BOUND = 1 << 63          # Python ints outside +-2**63 are refused


def _numeric_dtype(name) -> np.dtype:
    if not isinstance(name, str) or name not in DTYPES:
        raise MalformedData(f"refused dtype {str(name)[:40]!r}")
    try:
        return np.dtype(name)
    except TypeError:
        raise MalformedData(f"dtype {name!r} does not exist on this machine") from None


def _shape(shape) -> tuple:
    if type(shape) is not list or len(shape) > MAX_DIMENSIONS or any(type(n) is not int or not 0 <= n < INT_BOUND
                                                                      for n in shape):
        raise MalformedData("an array shape must be a short list of non-negative integers")
    count = 1
    for n in shape:
        count *= n
    if count > MAX_ARRAY_ELEMENTS:
        raise MalformedData(f"an array of {count} elements is larger than the grader accepts")
    return tuple(shape)


def _marker(value: dict, key: str, arity: int) -> list:
    payload = value[key]
    if type(payload) is not list or len(payload) != arity:
        raise MalformedData(f"malformed {key} marker")
    return payload


def _from_jsonable(value, depth: int = 0):
    if depth > MAX_NESTING:
        raise MalformedData("nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, float, str):
        return value
    if kind is int:
        if not -INT_BOUND <= value < INT_BOUND:
            raise MalformedData("an integer outside the 64-bit range")
        return value
    if kind is list:
        return [_from_jsonable(v, depth + 1) for v in value]
    if kind is not dict:
        raise MalformedData(f"unexpected {kind.__name__}")
    markers = [k for k in value if k.startswith("__")]
    if not markers:
        return {k: _from_jsonable(v, depth + 1) for k, v in value.items()}
    if len(value) != 1:
        raise MalformedData("a type marker with other keys beside it")
    key = markers[0]
    if key == "__unsupported__" and type(value[key]) is str:
        return Unsupported(value[key][:200])
    if key == "__ndarray__":
        dtype_name, shape, data = _marker(value, key, 3)
        dtype, shape = _numeric_dtype(dtype_name), _shape(shape)
        if type(data) is not str or len(data) > 4 * (dtype.itemsize * MAX_ARRAY_ELEMENTS // 3 + 3):
            raise MalformedData("array data is not a string of the right size")
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise MalformedData("array data is not base64") from None
        count = 1
        for n in shape:
            count *= n
        if len(raw) != dtype.itemsize * count:
            raise MalformedData("array data does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if key == "__scalar__":
        dtype_name, item = _marker(value, key, 2)
        dtype = _numeric_dtype(dtype_name)
        if type(item) not in (bool, int, float) or type(item) is int and not -INT_BOUND <= item < 2 * INT_BOUND:
            raise MalformedData("a scalar marker without a number")
        try:
            return dtype.type(item)
        except (OverflowError, ValueError, TypeError):
            raise MalformedData(f"{item!r} does not fit a {dtype_name}") from None
    if key == "__tuple__" and type(value[key]) is list:
        return tuple(_from_jsonable(v, depth + 1) for v in value[key])
    raise MalformedData(f"unknown or malformed marker {key[:40]!r}")


def dumps(value) -> bytes:
    """Plain values (see plain) -> JSON bytes; NaN and infinities are kept."""
    return json.dumps(_to_jsonable(value)).encode("utf-8")


def loads(data: bytes):
    """Inverse of dumps, strictly: bounded values, nesting, integers and array sizes, numeric dtypes from an
    allowlist, known markers only. Anything else raises MalformedData (a ValueError) before it costs memory."""
    if data.count(b",") + data.count(b":") >= MAX_VALUES:
        raise MalformedData(f"more than {MAX_VALUES} values")
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise MalformedData(f"not a message of the grader ({type(exc).__name__})") from None
    except ValueError as exc:  # e.g. an integer literal with too many digits
        raise MalformedData(f"not a message of the grader ({str(exc)[:80]})") from None
    return _from_jsonable(parsed)
