"""course.yml: the course, its assignments and grading settings, validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError, field_validator, model_validator

PACKAGE_DIR = Path(__file__).resolve().parent   # the installed autograder package (library code only)
COURSE_FILE = "course.yml"


class CourseConfigError(ValueError):
    """course.yml is missing, unreadable or invalid; the message names the offending key."""


class CourseRoot:
    """The course folder: course.yml, source/, solutions/, assignments/, build/, grading-output/.

    Found from the current folder (the first folder, walking up, that holds course.yml) unless one was chosen
    (the CLI's --course option); never the folder the package is installed from.
    """

    _chosen: Path | None = None

    @classmethod
    def choose(cls, folder: str | Path | None) -> None:
        """Use this folder as the course root (None: find it from the current folder again)."""
        if folder is None:
            cls._chosen = None
            return
        folder = Path(folder).resolve()
        if not (folder / COURSE_FILE).is_file():
            raise CourseConfigError(f"{folder}: not a course folder (no {COURSE_FILE} in it)")
        cls._chosen = folder

    @staticmethod
    def find(start: str | Path | None = None) -> Path:
        """The first folder from `start` (default: the current folder) upwards that holds course.yml."""
        start = Path(start or Path.cwd()).resolve()
        for folder in (start, *start.parents):
            if (folder / COURSE_FILE).is_file():
                return folder
        raise CourseConfigError(f"no {COURSE_FILE} in {start} or any folder above it: run `course` from the "
                                "course folder, or pass --course <folder>")

    @classmethod
    def get(cls) -> Path:
        return cls._chosen or cls.find()


def course_root() -> Path:
    """The course folder every command reads and writes (see CourseRoot)."""
    return CourseRoot.get()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CourseInfo(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str


class GradingSettings(_Strict):
    rtol: PositiveFloat = 1e-6
    atol: float = Field(default=1e-9, ge=0)
    fd_step: PositiveFloat = 1e-5
    fd_tolerance: PositiveFloat = 1e-6
    test_timeout_s: PositiveFloat = 20
    submission_budget_s: PositiveFloat = 60  # one submission, every engine: start-up, restarts and every test
    device: Literal["auto", "cpu", "cuda"] = "auto"
    search_timeout_s: PositiveFloat = 5      # after a hidden failure: time to find the smallest failing configuration
    max_notebook_mib: PositiveFloat = 20      # a larger notebook (or zip member) is refused, never read
    max_archive_mib: PositiveFloat = 2048     # the most a zip may inflate to, all members together

    @model_validator(mode="before")
    @classmethod
    def _old_budget_key(cls, data):
        """submission_timeout_s is the old name of submission_budget_s."""
        if isinstance(data, dict) and "submission_timeout_s" in data:
            data = dict(data)
            data.setdefault("submission_budget_s", data.pop("submission_timeout_s"))
        return data

    @property
    def submission_timeout_s(self) -> float:
        return self.submission_budget_s

    def for_tests(self) -> dict:
        """The settings a test needs at grading time (embedded in generated tests; course.yml is not shipped)."""
        return self.model_dump(exclude={"max_notebook_mib", "max_archive_mib"})


class TrainingSettings(_Strict):
    """What a network's training test passes to train() (assignment 4), stated in the notebook."""

    epochs: int = Field(ge=1)
    learning_rate: PositiveFloat


class AssignmentConfig(_Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    title: str
    notebook: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.ipynb$")
    source: str
    questions: dict[str, PositiveFloat]
    submission_budget_s: PositiveFloat | None = None  # overrides grading.submission_budget_s (e.g. training)
    # overrides grading.test_timeout_s: by question ("train": every test of it) or by test ("train.accuracy")
    test_timeouts_s: dict[str, PositiveFloat] = Field(default_factory=dict)
    training: TrainingSettings | None = None  # train()'s epochs and learning rate, for checks that train a network
    files: list[str] = Field(default_factory=list)  # data shipped beside the notebook, paths from the course root

    @field_validator("questions")
    @classmethod
    def _question_names(cls, questions: dict[str, float]) -> dict[str, float]:
        for name in questions:
            if not name.isidentifier():
                raise ValueError(f"question name {name!r} must be a Python identifier")
        if not questions:
            raise ValueError("an assignment needs at least one question")
        return questions

    @model_validator(mode="after")
    def _timeouts_name_questions(self) -> "AssignmentConfig":
        """Every key of test_timeouts_s names one of the assignment's questions (its tests are checked with the
        master: unknown_timeout_keys)."""
        for key in self.test_timeouts_s:
            if key.split(".", 1)[0] not in self.questions:
                raise ValueError(f"test_timeouts_s: {key!r} names no question of {self.id} (a key is QUESTION or "
                                 f"QUESTION.TEST; questions: {', '.join(self.questions)})")
        return self

    def test_timeout(self, question: str, test: str) -> float | None:
        """This assignment's own limit for one test (QUESTION.TEST before QUESTION), or None: the course default."""
        return self.test_timeouts_s.get(f"{question}.{test}", self.test_timeouts_s.get(question))

    def unknown_timeout_keys(self, test_ids) -> list[str]:
        """Keys of test_timeouts_s of the form QUESTION.TEST that name none of `test_ids` (QUESTION.TEST strings)."""
        known = set(test_ids)
        return [key for key in self.test_timeouts_s if "." in key and key not in known]

    @property
    def points(self) -> float:
        return float(sum(self.questions.values()))


class MutationSettings(_Strict):
    """`course mutate`: how many mutants of the solutions to grade, with which seed, and the kill rate CI enforces."""

    seed: int = 0
    mutants: int = Field(default=100, ge=1)
    min_kill_rate: float = Field(default=0.99, ge=0, le=1)
    probe_configurations: int = Field(default=12, ge=1)   # random configurations the equivalence probe compares on


class NbgraderSettings(_Strict):
    """`course nbgrader`: where nbgrader's course state (submitted/, autograded/, feedback/, gradebook.db) lives."""

    state: str = "nbgrader-course"   # a folder, relative to the course root (or absolute); never inside build/


class Course(_Strict):
    course: CourseInfo
    grading: GradingSettings = GradingSettings()
    mutation: MutationSettings = MutationSettings()
    nbgrader: NbgraderSettings = NbgraderSettings()
    assignments: list[AssignmentConfig]

    @field_validator("assignments")
    @classmethod
    def _unique_ids(cls, assignments: list[AssignmentConfig]) -> list[AssignmentConfig]:
        ids = [a.id for a in assignments]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"assignment ids must be unique; repeated: {', '.join(duplicates)}")
        return assignments

    @model_validator(mode="after")
    def _tests_fit_their_budget(self) -> "Course":
        """No test may be allowed more time than its whole submission: a limit above the budget is an error."""
        for a in self.assignments:
            budget = a.submission_budget_s or self.grading.submission_budget_s
            limits = {"grading.test_timeout_s": self.grading.test_timeout_s,
                      **{f"test_timeouts_s.{key}": value for key, value in a.test_timeouts_s.items()}}
            for key, limit in limits.items():
                if limit > budget:
                    raise ValueError(f"assignment {a.id}: {key} is {limit:g} s, more than the submission budget of "
                                     f"{budget:g} s that holds every test; lower it or raise the assignment's "
                                     "submission_budget_s")
        return self

    def grading_for(self, assignment_id: str) -> dict:
        """The grading settings of one assignment: the course's, with the assignment's own budget if it sets one."""
        budget = self.assignment(assignment_id).submission_budget_s or self.grading.submission_budget_s
        return {**self.grading.for_tests(), "submission_budget_s": budget}

    def assignment(self, assignment_id: str) -> AssignmentConfig:
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        known = ", ".join(a.id for a in self.assignments)
        raise CourseConfigError(f"unknown assignment {assignment_id!r}; course.yml defines: {known}")


def _describe(error: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid course configuration"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"  {where}: unknown key")
        elif item["type"] == "value_error":  # a validator's own message names the key and the value
            lines.append(f"  {where}: {item['msg'].removeprefix('Value error, ')}")
        else:
            lines.append(f"  {where}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def load_course(path: str | Path | None = None) -> Course:
    """Read and validate course.yml; raise CourseConfigError naming the bad key or value."""
    path = Path(path) if path else course_root() / COURSE_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseConfigError(f"{path}: course file not found") from None
    except yaml.YAMLError as exc:
        raise CourseConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CourseConfigError(f"{path}: expected a mapping at the top level")
    try:
        return Course.model_validate(data)
    except ValidationError as exc:
        raise CourseConfigError(_describe(exc, path)) from None
