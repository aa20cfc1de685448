"""The registry of drivers and the course's reference units that a hidden test may hand them (child side)."""

from __future__ import annotations

import contextlib

# Every driver, by name: the functions marked @driver in the modules drivers/__init__.py imports, and nothing else
# (a request names one of these).
DRIVERS: dict = {}

# In the settings a driver gets: the seconds left before its test's (or its submission's) limit, for a driver that
# works for as long as it may (a report's training) and stops by itself in time.
TIME_LEFT = "time_left_s"


def driver(function):
    """Register function as the driver of its own name."""
    if function.__name__ in DRIVERS:
        raise ValueError(f"two drivers named {function.__name__!r}")
    DRIVERS[function.__name__] = function
    return function


# The course's reference units (e.g. its activators), sent by the grader with a hidden test's settings and kept
# apart from the student's namespace: a test of ConvLayer then does not depend on the student's ReluActivator.
# They exist only while the driver of a test that carries them runs (run_driver), never while student code is
# judged by another test, so a submission cannot hand them in as its own ReluActivator.
_REFERENCE: dict = {}


@contextlib.contextmanager
def _reference_units(settings):
    """The reference classes in settings['driver_setup']['reference_code'] for the length of one driver call."""
    code = ((settings or {}).get("driver_setup") or {}).get("reference_code")
    _REFERENCE.clear()
    if code:
        namespace: dict = {"__name__": "course_reference"}
        exec(compile(code, "<course reference>", "exec"), namespace)
        _REFERENCE.update({k: v for k, v in namespace.items() if isinstance(v, type)})
    try:
        yield
    finally:
        _REFERENCE.clear()


def reference_unit(name: str):
    """The course's reference class `name` while a test that carries it runs, else None."""
    return _REFERENCE.get(name)


def run_driver(name: str, namespace, inputs, params, settings):
    """DRIVERS[name] on one case, with the course's reference units present only during the call."""
    driver = DRIVERS[name]
    with _reference_units(settings):
        return driver(namespace, inputs, params, settings)
