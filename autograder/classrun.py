"""What `course grade` does around the batch: find the class in any layout, guard the assignment, pick the engine
(local or a Dask cluster), and write the class report and the LMS grade CSV at the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .grading.belonging import AssignmentGuard, GuardedEngine
from .grading.discovery import Discovery, discover_class, write_roster
from .grading.submissions import InputLimits


def find_class(course, assignment: str, path: Path, out: Path, limits: InputLimits,
               say: Callable[[str], None]) -> Discovery:
    """Discover the submissions (a class zip is inflated into out/inbox/), print the layout and the choices made."""
    found = discover_class(path, assignment, course.assignment(assignment).notebook, limits, staging=out / "inbox")
    say(f"layout: {found.layout}; {len(found.submissions)} submission{'s' * (len(found.submissions) != 1)}")
    for note in found.notes:
        say(f"  {note}")
    write_roster(out, found)
    return found


def guarded(course, assignment: str, engine) -> GuardedEngine:
    """The engine, grading only notebooks whose metadata does not name another assignment."""
    return GuardedEngine(engine, AssignmentGuard.for_course(course, assignment))


def dask_engine(course, assignment: str, scheduler: str, sandbox: bool = True):
    """(master, tests, engine) grading on the Dask cluster at `scheduler` with the local sandbox engine's setup."""
    from .master import load_master
    from .release.pipelines import all_tests
    from .sandbox.distributed import DaskEngine, EngineSetup

    master = load_master(course, assignment)
    tests = all_tests(master)
    setup = EngineSetup(tests, course.grading_for(assignment), sandbox=sandbox,
                        limits=InputLimits.from_settings(course.grading))
    return master, tests, DaskEngine(scheduler, setup)


def write_class_outputs(master, tests, results, out: Path, found: Discovery | None, lms_format: str | None,
                        lms_assignment_id: str | None, say: Callable[[str], None]) -> None:
    """The class report (HTML + JSON) and, when asked for, the grades as the LMS imports them."""
    from .grading.lms import LmsExport, load_roster
    from .report import ClassReport

    assignment = master.assignment
    html, data = ClassReport(assignment.id, assignment.title, assignment.questions, tests, results).write(
        out / "report.html")
    say(f"class report {html} (numbers in {data.name})")
    if lms_format:
        roster = found.roster() if found else load_roster(out)
        path = LmsExport(results, roster, assignment.points, assignment.title, lms_assignment_id).write(
            out, lms_format)
        say(f"grades for {lms_format}: {path}")
