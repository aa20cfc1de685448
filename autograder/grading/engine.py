"""The one interface batch grading calls on every engine (sandbox, otter, Dask, and the assignment guard around them)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .results import SubmissionResult
from .submissions import Submission


@runtime_checkable
class Engine(Protocol):
    """Grades one submission at a time: prepared once before the first, closed once after the last."""

    @property
    def name(self) -> str:
        """The engine's name, stored in every result and in the resume key."""

    @property
    def isolation(self) -> str:
        """How student code was kept apart from the grader, in words (shown in every result)."""

    def prepare(self) -> None:
        """Work done once before any submission (e.g. every torch reference)."""

    def grade(self, submission: Submission) -> SubmissionResult:
        """The submission's result; a problem of the submission is a result, never an exception."""

    def close(self) -> None:
        """Release what the engine holds (children, fork servers, clients)."""
