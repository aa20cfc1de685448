"""The sandboxed engine lives in autograder.sandbox; this module keeps the old import path working."""

from ..sandbox.engine import SandboxEngine, SandboxUnavailable
from ..sandbox.isolation import bubblewrap_problem
from ..sandbox.limits import Limits
from ..sandbox.process import SandboxStartError


def namespaces_available() -> bool:
    """Can student code be isolated here (bubblewrap with user namespaces, as root or not)?"""
    return bubblewrap_problem() is None


__all__ = ["Limits", "SandboxEngine", "SandboxStartError", "SandboxUnavailable", "bubblewrap_problem",
           "namespaces_available"]
