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


def _to_jsonable(value):
    if isinstance(value, Unsupported):
        return {"__unsupported__": value.type_name}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": [str(value.dtype), list(value.shape),
                                base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")]}
    if isinstance(value, np.generic):
        return {"__scalar__": [str(value.dtype), value.item()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_jsonable(v) for k, v in value.items()}
    return value


def _numeric_dtype(name: str) -> np.dtype:
    dtype = np.dtype(name)
    if dtype.kind not in "biuf":
        raise ValueError(f"refused dtype {name!r}")
    return dtype


def _from_jsonable(value):
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__unsupported__"}:
        return Unsupported(str(value["__unsupported__"]))
    if set(value) == {"__ndarray__"}:
        dtype_name, shape, data = value["__ndarray__"]
        dtype, shape = _numeric_dtype(dtype_name), tuple(int(n) for n in shape)
        raw = base64.b64decode(data)
        if len(raw) != dtype.itemsize * int(np.prod(shape)):
            raise ValueError("array data does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if set(value) == {"__scalar__"}:
        dtype_name, item = value["__scalar__"]
        return _numeric_dtype(dtype_name).type(item)
    if set(value) == {"__tuple__"}:
        return tuple(_from_jsonable(v) for v in value["__tuple__"])
    return {k: _from_jsonable(v) for k, v in value.items()}


def dumps(value) -> bytes:
    """Plain values (see plain) -> JSON bytes; NaN and infinities are kept."""
    return json.dumps(_to_jsonable(value)).encode("utf-8")


def loads(data: bytes):
    """Inverse of dumps, refusing anything but numeric arrays; ValueError on malformed data."""
    return _from_jsonable(json.loads(data.decode("utf-8")))
