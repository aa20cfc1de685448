"""`course`: release assignments, grade submissions (otter run, nbgrader), and run the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .config import CourseConfigError, CourseRoot, course_root, load_course
from .feedback import fmt

console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)

# Exit statuses (documented in the README): click uses 1 for a known error (bad course.yml, ...) and 2 for usage.
EXIT_NOT_GRADED = 3       # `course grade`: some files could not be graded (their rows say why; gradebook written)
EXIT_NO_SUBMISSIONS = 4   # `course grade`: the folder holds no .ipynb or .zip file


class ExitError(click.ClickException):
    """A known failure with an exit status of its own."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def say(text: str) -> None:
    """Print text that may hold student text (file names, messages) literally: no console markup."""
    console.print(Text(text))


def default_out() -> Path:
    """grading-output/ of the course root."""
    return course_root() / "grading-output"


def _course(ctx):
    return ctx.obj["course"]


def _ids(course, assignments) -> list[str]:
    known = [a.id for a in course.assignments]
    for a in assignments:
        course.assignment(a)  # raises with the known ids
    return list(assignments) or known


class CourseGroup(click.Group):
    """Known failures (bad configuration, a broken master, a failed tool) end in one clear line, not a traceback."""

    def invoke(self, ctx):
        from .grading.submissions import NoSubmissionsError, SubmissionError
        from .master import MasterError
        from .release.pipelines import ReleaseError
        from .samples import SampleError

        try:
            return super().invoke(ctx)
        except NoSubmissionsError as exc:
            raise ExitError(str(exc), EXIT_NO_SUBMISSIONS) from None
        except (CourseConfigError, MasterError, ReleaseError, SampleError, SubmissionError, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=CourseGroup)
@click.option("--course", "course_dir", type=click.Path(file_okay=False), default=None,
              help="The course folder (default: the first folder from here upwards that holds course.yml).")
@click.option("--course-file", type=click.Path(dir_okay=False), default=None, help="course.yml to use")
@click.pass_context
def main(ctx, course_dir, course_file):
    """The CNN course: releases, grading and feedback."""
    try:
        if course_dir:
            CourseRoot.choose(course_dir)
        ctx.obj = {"course": load_course(course_file)}
    except CourseConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--check", is_flag=True, help="Only verify that assignments/ matches a fresh release (exit 1 if not).")
@click.pass_context
def release(ctx, assignments, check):
    """Build releases from source/: assignments/<id>/, the otter autograder zip, the nbgrader course."""
    from .release.pipelines import build, stale_files

    course = _course(ctx)
    stale = []
    for assignment_id in _ids(course, assignments):
        if check:
            stale += stale_files(course, assignment_id)
        else:
            b = build(course, assignment_id)
            console.print(f"[bold]{assignment_id}[/]: release {b.release_dir.relative_to(course_root())}/, "
                          f"handout {b.handout_dir.relative_to(course_root())}/, "
                          f"otter autograder {b.otter_zip.relative_to(course_root())}, "
                          f"nbgrader course {b.nbgrader_root.relative_to(course_root())}/")
    if check:
        if stale:
            raise click.ClickException("assignments/ is stale; run `course release`. Differs: " + ", ".join(stale))
        console.print("assignments/ is current.")


@main.command()
@click.argument("assignments", nargs=-1)
@click.pass_context
def handout(ctx, assignments):
    """Write build/handout/<id>/ from the committed release: the folder to hand out (the release plus the runtime)."""
    from .release.pipelines import handout as write

    for assignment_id in _ids(_course(ctx), assignments):
        console.print(f"[bold]{assignment_id}[/]: handout {write(assignment_id).relative_to(course_root())}/")


def _ensure_built(course, assignment_id):
    from .release.pipelines import build, build_folder

    zip_path = build_folder() / assignment_id / f"{assignment_id}-autograder.zip"
    source = build_folder() / "nbgrader" / "source" / assignment_id / course.assignment(assignment_id).notebook
    if not zip_path.is_file() or not source.is_file():
        console.print(f"building {assignment_id} first (no autograder zip or nbgrader course yet)")
        build(course, assignment_id)
    return zip_path


ENGINES = ["sandbox", "otter"]


def _engine(course, assignment_id, name, hide=(), sandbox=True):
    """The grading engine by name; `hide` lists folders the sandbox must keep from student code."""
    from .master import load_master
    from .release.pipelines import all_tests

    master = load_master(course, assignment_id)
    tests = all_tests(master)
    if name == "otter":
        from .cases import scored
        from .grading.otter_engine import OtterRunEngine

        tests = scored(tests)  # otter's test files hold no report (a test worth no points)
        return master, tests, OtterRunEngine(_ensure_built(course, assignment_id), tests,
                                             course.grading_for(assignment_id)["submission_budget_s"])
    from .sandbox.engine import SandboxEngine, SandboxUnavailable

    try:
        return master, tests, SandboxEngine(tests, course.grading_for(assignment_id), hide=[Path(p) for p in hide],
                                            sandbox=sandbox)
    except SandboxUnavailable as exc:
        raise click.ClickException(str(exc)) from None


def _score_table(title, report, master) -> Table:
    """One row per submission: score, how many tests failed, and the likely mistakes named in the messages."""
    from .mistakes import named_in

    table = Table(title=title)
    for column in ("submission", "score", "failed tests", "likely mistakes / first message"):
        table.add_column(column, overflow="fold")
    possible = master.assignment.points
    for r in report.results:
        failed = [t for t in r.tests if not t.passed]
        mistakes = sorted({m for t in failed if (m := named_in(t.message))})
        if not r.graded:
            table.add_row(Text(r.file), "", "", Text(f"not graded: {r.message}"[:150]))
            continue
        if r.status != "graded":
            detail = f"{r.status}: {r.message}"
        elif mistakes:
            detail = ", ".join(mistakes)
        else:
            first_case = next((c for t in failed for c in t.cases if not c.passed), None)
            detail = first_case.message if first_case else (failed[0].message if failed else "")
        table.add_row(Text(r.file), f"{fmt(r.score)}/{fmt(possible)}", f"{len(failed)}/{len(r.tests)}",
                      Text(detail[:150]))
    return table


@main.command()
@click.argument("assignment")
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default grading-output/<assignment>).")
@click.option("--engine", type=click.Choice(ENGINES), default="sandbox", show_default=True,
              help="sandbox: the course's isolated engine; otter: `otter run` per submission.")
@click.option("--format", "lms_format", type=click.Choice(["canvas", "moodle", "plain"]), default=None,
              help="Also write grades_<format>.csv as that LMS imports it (final_grades.csv is always written).")
@click.option("--lms-assignment-id", default=None, help="The LMS's id of the assignment (Canvas column name).")
@click.option("--scheduler", default=None, help="Grade on a Dask cluster: the scheduler's address, tcp://HOST:8786.")
@click.option("--force", is_flag=True, help="Grade again even submissions whose results are current.")
@click.option("-j", "--jobs", type=int, default=1, show_default=True, help="Submissions graded in parallel.")
@click.option("--no-sandbox", is_flag=True, help="Where no sandbox is possible: grade in plain child processes "
              "with resource limits only (no isolation; every result and the report say so).")
@click.pass_context
def grade(ctx, assignment, submissions, out, engine, force, jobs, no_sandbox, lms_format, lms_assignment_id,
          scheduler):
    """Grade a class (a folder in any known layout, a class zip, or one notebook): gradebook, feedback, report.
    Exit status 3: some files could not be graded (their rows say why); 4: no submissions found."""
    from .grading.batch import grade_submissions
    from .grading.submissions import InputLimits

    course = _course(ctx)
    out = out or default_out() / assignment
    from .classrun import dask_engine, find_class, guarded, write_class_outputs

    found = find_class(course, assignment, submissions, out, InputLimits.from_settings(course.grading), say)
    if scheduler:
        master, tests, grader = dask_engine(course, assignment, scheduler, sandbox=not no_sandbox)
        jobs = max(jobs, grader.threads)
    else:
        master, tests, grader = _engine(course, assignment, engine, hide=[submissions, out], sandbox=not no_sandbox)
    report = grade_submissions(guarded(course, assignment, grader), found.submissions, out,
                               master.assignment.questions, tests, title=master.assignment.title, force=force,
                               jobs=jobs, config={**course.grading.model_dump(), **course.grading_for(assignment)})
    console.print(_score_table(f"{assignment} ({grader.name})", report, master))
    say(f"graded {report.graded}, unchanged {report.reused}; gradebook {report.gradebook}; "
        f"feedback in {report.feedback_dir}/")
    say(f"isolation: {report.results[0].isolation if report.results else grader.isolation}")
    write_class_outputs(master, tests, report.results, out, found, lms_format, lms_assignment_id, say)
    if report.not_graded:
        say(f"{len(report.not_graded)} of {len(report.results)} submissions could not be graded (rows 'not graded' "
            f"in the gradebook say why); exit status {EXIT_NOT_GRADED}")
        ctx.exit(EXIT_NOT_GRADED)


@main.command()
@click.argument("assignment")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The grading run's folder (default grading-output/<assignment>).")
@click.pass_context
def report(ctx, assignment, out, results_dir):
    """The class report of a grading run: OUT.html (or OUT/report.html when OUT is a folder) and its .json."""
    from .master import load_master
    from .release.pipelines import all_tests
    from .report import ClassReport, load_results

    master = load_master(_course(ctx), assignment)
    results = load_results((results_dir or default_out() / assignment) / "results", assignment)
    if not results:
        raise click.ClickException(f"no stored results of {assignment} in {results_dir or default_out() / assignment}"
                                   "/results: run `course grade` first")
    html = out if out.suffix == ".html" else out / "report.html"
    html, data = ClassReport(assignment, master.assignment.title, master.assignment.questions, all_tests(master),
                             results).write(html)
    say(f"class report {html}; numbers {data}")


@main.command()
@click.argument("assignment")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write them (default build/<assignment>/samples).")
@click.pass_context
def samples(ctx, assignment, out):
    """Write the bundled sample submissions (tests/samples/<assignment>) as notebooks."""
    paths = write_samples(_course(ctx), assignment, out)
    console.print(f"{len(paths)} sample submissions in {paths[0].parent}/")


def write_samples(course, assignment_id, out=None) -> list[Path]:
    from . import samples as sample_defs
    from .master import load_master
    from .release.pipelines import build_folder, load_release

    master = load_master(course, assignment_id)
    _ensure_built(course, assignment_id)
    release_nb = load_release(assignment_id, master.assignment.notebook)
    out = Path(out or build_folder() / assignment_id / "samples")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for sample in sample_defs.load_samples(assignment_id):
        path = out / f"{sample.name}.ipynb"
        path.write_text(sample_defs.notebook(sample, master, release_nb), encoding="utf-8")
        paths.append(path)
    return paths


@main.command(name="nbgrader")
@click.argument("assignment")
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--state", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="nbgrader's course state (submitted/, autograded/, feedback/, gradebook.db); "
                   "default: nbgrader.state in course.yml")
@click.pass_context
def nbgrader_command(ctx, assignment, submissions, out, state):
    """Grade a folder with nbgrader (autograde, generate_feedback, export) against the generated nbgrader course."""
    from .grading.nbgrader_runner import NbgraderGradingError, grade_with_nbgrader
    from .release.pipelines import build_folder

    course = _course(ctx)
    _ensure_built(course, assignment)
    try:
        report = grade_with_nbgrader(build_folder() / "nbgrader", assignment, course.assignment(assignment).notebook,
                                     submissions, out or default_out() / assignment / "nbgrader",
                                     state or course_root() / course.nbgrader.state)
    except NbgraderGradingError as exc:
        raise click.ClickException(str(exc)) from None
    for student, score in sorted(report.scores.items()):
        say(f"  {student}: {fmt(score)}/{fmt(report.max_score)}")
    for student, why in sorted(report.rejected.items()):
        say(f"  {student}: not graded: {why}")
    for student, cells in sorted(report.flagged.items()):
        say(f"  {student}: check cells could not import the grading code, review by hand: {cells[0]}")
    for student, notes in sorted(report.notes.items()):
        say(f"  {student}: {notes[0]}" + (f" (and {len(notes) - 1} more in the feedback)" if len(notes) > 1 else ""))
    if report.moved:
        say(f"moved nbgrader's course state ({', '.join(report.moved)}) from build/nbgrader/ to {report.state_dir}")
    say(f"grades {report.grades_csv}; feedback in {report.feedback_dir}/<student>/{assignment}/; "
        f"nbgrader's course state in {report.state_dir}")
    if report.rejected:
        ctx.exit(EXIT_NOT_GRADED)


@main.command()
@click.option("--engine", type=click.Choice(ENGINES), default="sandbox", show_default=True)
@click.option("-j", "--jobs", type=int, default=2, show_default=True)
@click.pass_context
def demo(ctx, engine, jobs):
    """Release every assignment, grade the bundled sample submissions, and check each got the expected result."""
    from . import samples as sample_defs
    from .grading.batch import grade_folder
    from .release.pipelines import build

    course = _course(ctx)
    deviations = []
    for assignment in course.assignments:
        b = build(course, assignment.id)
        console.print(f"[bold]{assignment.id}[/]: released to {b.release_dir.relative_to(course_root())}/")
        folder = write_samples(course, assignment.id)[0].parent
        out = default_out() / "demo" / assignment.id
        master, tests, grader = _engine(course, assignment.id, engine, hide=[folder, out])
        report = grade_folder(grader, folder, out, assignment.questions, tests, title=assignment.title,
                              force=True, jobs=jobs)
        console.print(_score_table(f"{assignment.id}: sample submissions ({grader.name})", report, master))
        by_name = {r.student: r for r in report.results}
        for sample in sample_defs.load_samples(assignment.id):
            result = by_name[sample.name]
            got = {t.id: {"passed": t.passed, "message": t.message} for t in result.tests}
            deviations += [f"{assignment.id}/{sample.name}: {p}" for p in sample_defs.problems(sample, got)]
        console.print(f"gradebook {report.gradebook.relative_to(course_root())}; "
                      f"feedback {report.feedback_dir.relative_to(course_root())}/<sample>.html")
    console.print(f"isolation: {grader.isolation}")
    if deviations:
        console.print("[red]samples that did not get their expected result:[/]\n  " + "\n  ".join(deviations))
        sys.exit(1)
    console.print("every sample submission got its expected result.")


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--mutants", type=int, default=None, help="How many mutants to sample (default: course.yml mutation.mutants).")
@click.option("--seed", type=int, default=None, help="Sampling seed (default: course.yml mutation.seed).")
@click.option("--no-report", is_flag=True, help="Do not rewrite tests/mutation/<assignment>-survivors.md.")
@click.pass_context
def mutate(ctx, assignments, mutants, seed, no_report):
    """Mutation analysis: grade mutants of the solutions (sandbox), report survivors and the kill rate."""
    from .mutation.analysis import MutationError, analysis_for, report_path

    course = _course(ctx)
    failing = []
    for assignment_id in _ids(course, assignments):
        analysis = analysis_for(course, assignment_id, mutants, seed)
        try:
            report = analysis.run()
        except MutationError as exc:
            raise click.ClickException(f"{assignment_id}: {exc}") from None
        console.print(report.summary())
        for outcome in report.survivors:
            console.print(f"  survivor {outcome.mutant.number}: {outcome.mutant.mutation.description}: "
                          f"{outcome.difference.describe()}")
        if not no_report:
            path = report_path(analysis.master)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(report.markdown(), encoding="utf-8")
            console.print(f"  report {path}")
        if not report.passes:
            failing.append(assignment_id)
    if failing:
        raise click.ClickException(f"kill rate below mutation.min_kill_rate for {', '.join(failing)}")


if __name__ == "__main__":
    main()
