"""The release: generated from source/, current, free of solutions and hidden cases, and working in Jupyter.

Tests that run otter, nbgrader or Jupyter are marked `integration`, one by one; the rest is the fast tier.
"""

import ast
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.config import PACKAGE_DIR
from autograder.release.leaks import scan
from autograder.release.compare import IGNORED, NumberTolerance, tree_differences
from autograder.release.pipelines import RUNTIME_FOLDER, handout, release_differences
from autograder.release.runtime import runtime_files, shipped_files
from autograder.sandbox.engine import CHILD_ENTRY, FORBIDDEN_MODULES, child_runtime_files

from .conftest import ASSIGNMENTS, REPO_ROOT, read_nb

integration = pytest.mark.integration


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_equals_a_fresh_release(built, course, assignment):
    """Text and structure exactly, numbers within course.yml's tolerance (see test_reproducible.py)."""
    assert release_differences(course, built[assignment].release_dir, REPO_ROOT / "assignments" / assignment) == [], \
        "assignments/ is stale: run `course release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nothing_hidden_in_the_committed_release(masters, assignment):
    assert scan([REPO_ROOT / "assignments" / assignment], masters[assignment]) == []


def _files(folder: Path) -> set[str]:
    """Files under a folder, relative to it, without caches (__pycache__, .ipynb_checkpoints)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and not set(p.relative_to(folder).parts) & set(IGNORED)}


def test_no_file_under_assignments_is_a_copy_of_another():
    """git holds the runtime once (the package), never a copy per assignment: every committed file is unique."""
    seen = {}
    for name in sorted(_files(REPO_ROOT / "assignments")):
        digest = hashlib.sha256((REPO_ROOT / "assignments" / name).read_bytes()).hexdigest()
        assert digest not in seen, f"assignments/{name} is a copy of assignments/{seen.get(digest)}"
        seen[digest] = name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_committed_release_holds_no_runtime(released, assignment):
    assert not (released[assignment].release_dir / RUNTIME_FOLDER).exists(), \
        f"assignments/{assignment}/{RUNTIME_FOLDER}/ is a copy of the package: run `course release`"


def test_the_release_check_names_a_runtime_copy_left_in_the_committed_release(course, released, tmp_path):
    fresh, committed = tmp_path / "fresh", tmp_path / "committed"
    shutil.copytree(released["a1"].release_dir, fresh)
    shutil.copytree(released["a1"].release_dir, committed)
    assert release_differences(course, fresh, committed) == []
    (committed / RUNTIME_FOLDER).mkdir()
    (committed / RUNTIME_FOLDER / "runner.py").write_text("")
    assert release_differences(course, fresh, committed) == [f"{RUNTIME_FOLDER}: only in the committed release"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_handout_is_the_committed_release_plus_the_runtime(assignment, tmp_path):
    folder = handout(assignment, build_root=tmp_path)
    assert folder == tmp_path / "handout" / assignment
    runtime = {f"{RUNTIME_FOLDER}/{name}" for name in runtime_files()}
    assert _files(folder) == _files(REPO_ROOT / "assignments" / assignment) | runtime
    for name in runtime_files():
        assert (folder / RUNTIME_FOLDER / name).read_bytes() == (PACKAGE_DIR / name).read_bytes()


def test_course_handout_writes_every_handout_from_the_committed_releases(tmp_path):
    from click.testing import CliRunner

    from autograder.cli import main
    from autograder.config import CourseRoot

    shutil.copyfile(REPO_ROOT / "course.yml", tmp_path / "course.yml")
    shutil.copytree(REPO_ROOT / "assignments", tmp_path / "assignments")
    try:
        result = CliRunner().invoke(main, ["--course", str(tmp_path), "handout"])
    finally:
        CourseRoot.choose(REPO_ROOT)
    assert result.exit_code == 0, result.output
    for assignment in ASSIGNMENTS:
        assert f"{assignment}: handout build/handout/{assignment}/" in result.output
        assert (tmp_path / "build" / "handout" / assignment / RUNTIME_FOLDER / "notebook.py").is_file()


# Imports modules as a notebook kernel started in the folder does, with this checkout's package out of reach.
IMPORT_HERE = """
import importlib, os, sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in str(getattr(f, "__module__", ""))]
sys.path[:] = [p for p in sys.path if p in ("", ".") or not os.path.isdir(os.path.join(p, "autograder"))]
for name in sys.argv[1:]:
    print(importlib.import_module(name).__file__)
"""


def test_a_handout_imports_its_own_runtime_and_needs_nothing_else_of_the_package(tmp_path):
    """Every shipped module imports from the handout folder alone (what is not shipped cannot be found there)."""
    folder = handout("a1", build_root=tmp_path).resolve()
    modules = [".".join((RUNTIME_FOLDER, *Path(name).with_suffix("").parts)).removesuffix(".__init__")
               for name in runtime_files()]
    done = subprocess.run([sys.executable, "-c", IMPORT_HERE, *modules], cwd=folder, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    files = [Path(line) for line in done.stdout.splitlines()]
    assert len(files) == len(modules) and all(f.resolve().is_relative_to(folder) for f in files), done.stdout
    shutil.rmtree(folder / RUNTIME_FOLDER)
    done = subprocess.run([sys.executable, "-c", IMPORT_HERE, "autograder.notebook"], cwd=folder, capture_output=True,
                          text=True, timeout=300)
    assert "ModuleNotFoundError: No module named 'autograder'" in done.stderr  # so the check above could fail


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_what_students_receive_carries_the_runtime(built, assignment):
    """nbgrader's release folder is the handout (the committed release plus the runtime); the otter zip's runtime
    is checked in test_otter_autograder_zip."""
    b = built[assignment]
    assert tree_differences(b.handout_dir, b.nbgrader_root / "release" / assignment, NumberTolerance(0, 0)) == []
    assert sorted(_files(b.handout_dir / RUNTIME_FOLDER)) == runtime_files()
    assert _files(b.handout_dir) - _files(b.handout_dir / RUNTIME_FOLDER) and not (b.release_dir / RUNTIME_FOLDER).exists()


def test_the_generated_nbgrader_config_loads_with_paths_relative_to_itself(course, tmp_path):
    """nbgrader only warns about a config file that raises, then runs with its defaults: load it as traitlets does."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.release.pipelines import write_nbgrader_course

    write_nbgrader_course(course, tmp_path / "nbgrader")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path / "nbgrader")).load_config()
    assert config.CourseDirectory.root == str(tmp_path / "nbgrader")
    assert config.CourseDirectory.release_directory == str(tmp_path / "nbgrader" / "release")
    assert "timeout" in config.Execute and "sanitize_preprocessors" in config.Autograde  # its settings, not defaults


def test_the_child_runtime_is_what_the_childs_entry_module_imports():
    """The sandbox's child runtime is found like the student runtime, from the module the child's bootstrap runs;
    the grader's side (checks, references, runner) never ships into the sandbox."""
    from autograder.sandbox.isolation import Layout

    entry = ".".join((RUNTIME_FOLDER, *Path(CHILD_ENTRY).with_suffix("").parts))
    assert f"from {entry} import main" in Layout.bootstrap(None, 3, {})
    shipped = child_runtime_files()
    assert shipped == shipped_files(CHILD_ENTRY)
    assert {"__init__.py", "sandbox/__init__.py", "sandbox/child.py", "sandbox/framing.py", "student.py",
            "wire.py"} <= set(shipped)
    assert any(name == "drivers.py" or name.startswith("drivers/") for name in shipped)
    forbidden = [m.split(".", 1)[1].replace(".", "/") for m in FORBIDDEN_MODULES if m.startswith("autograder.")]
    for name in shipped:
        assert not any(name == f"{f}.py" or name.startswith(f"{f}/") for f in forbidden), f"{name} would reach the child"


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nothing_hidden_reaches_student_visible_files(built, masters, assignment):
    student_otter = built[assignment].otter_zip.parent / "otter" / "dist" / "student"
    assert scan([REPO_ROOT / "assignments" / assignment, built[assignment].release_dir, built[assignment].handout_dir,
                 student_otter], masters[assignment]) == []


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_scanner_finds_planted_leaks(built, masters, assignment, tmp_path):
    """The leak scan can fail: solution code, a hidden case and hidden test source are each found."""
    master = masters[assignment]
    copy = tmp_path / "release"
    shutil.copytree(built[assignment].handout_dir, copy)
    hidden = next(t for q in master.questions.values() for t in q.tests if t.hidden and t.cases[0].seed)
    nb_path = copy / built[assignment].notebook
    nb = read_nb(nb_path)
    implement = next(c for c in nb.cells if c.metadata.get("course", {}).get("role") == "implement")
    implement.source = next(s for s in [c.source for c in read_nb(
        built[assignment].nbgrader_root / "source" / assignment / built[assignment].notebook).cells]
        if "### BEGIN SOLUTION" in s)
    nbformat.write(nb, nb_path)
    (copy / "tests" / "planted.py").write_text(f"spec = {{'seed': {hidden.cases[0].seed}}}\n# BEGIN HIDDEN TESTS\n")
    found = "\n".join(scan([copy], master))
    assert "solution code" in found and f"hidden case {hidden.id}" in found and "hidden test region" in found
    # and the grading bundles, which must hold the hidden tests, are recognised as such
    assert scan([built[assignment].nbgrader_root / "source" / assignment], master)


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_otter_autograder_zip(built, masters, assignment):
    """Every test's data (hidden ones too) travels in the zip beside its test file; a report (no points) has no
    otter test function (otter shows nothing of a passed test)."""
    questions = masters[assignment].questions
    with zipfile.ZipFile(built[assignment].otter_zip) as z:
        names = z.namelist()
        tests = {n: z.read(n).decode() for n in names if n.startswith("tests/") and n.endswith(".py")}
        data = {n: z.read(n).decode() for n in names if n.startswith("tests/") and n.endswith(".json")}
        config = z.read("otter_config.json").decode()
    assert not any("solutions" in n for n in names)
    assert {n for n in names if n.startswith("files/autograder/")} == {f"files/autograder/{f}" for f in runtime_files()}
    assert set(tests) == {f"tests/{q}.py" for q in questions}
    assert set(data) == {f"tests/{q}.json" for q in questions}
    assert any("hidden=True" in t for t in tests.values())
    for question in questions.values():
        for test in question.tests:
            assert (f"run_otter_test(env, '{test.id}')" in tests[f"tests/{question.name}.py"]) == (test.points > 0)
            assert f'"{test.name}": {{' in data[f"tests/{question.name}.json"]
    assert '"pdf": false' in config


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebook_structure(released, masters, course, assignment):
    nb = read_nb(released[assignment].release_dir / released[assignment].notebook)
    assert nb.metadata["otter"]["assignment_name"] == assignment
    roles = [c.metadata.get("course", {}).get("role") for c in nb.cells]
    assert roles[roles.index("init")] == next(r for r in roles if r not in ("markdown",))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        role = cell.metadata.get("course", {}).get("role")
        if role == "implement":
            assert meta["solution"] and "raise NotImplementedError()" in cell.source
        if role == "question":
            question = cell.metadata["course"]["question"]
            assert meta["grade"] and meta["locked"]
            assert meta["points"] == course.assignment(assignment).questions[question]
            assert cell.source.strip() == f'check("{question}")'
    public_files = sorted(p.name for p in (released[assignment].release_dir / "tests").iterdir())
    assert public_files == sorted(f"{q}.{ext}" for q in masters[assignment].questions for ext in ("json", "py"))
    for path in (released[assignment].release_dir / "tests").iterdir():
        assert "hidden=True" not in path.read_text() and '"hidden": true' not in path.read_text()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_public_test_files_are_short_calls_with_their_data_beside_them(released, masters, assignment):
    """One short call per test; the cases in a pretty-printed JSON file of the same name."""
    from autograder.cases import read_test_data

    folder = released[assignment].release_dir / "tests"
    for question in masters[assignment].questions.values():
        code = (folder / f"{question.name}.py").read_text()
        assert max(len(line) for line in code.splitlines()) < 100
        public = [t for t in question.tests if not t.hidden]
        assert [line.strip() for line in code.splitlines() if "run_otter_test(env" in line] == \
            [f"run_otter_test(env, '{t.id}')" for t in public]
        data = folder / f"{question.name}.json"
        assert max(len(line) for line in data.read_text().splitlines()) < 200, "one array row per line at most"
        stored = read_test_data(data)
        assert list(stored) == [t.name for t in public]
        assert all(c.reference is not None and c.inputs is not None and c.seed is None
                   for t in stored.values() for c in t.cases)


def test_the_runtime_is_what_the_notebook_entry_point_imports():
    """Found by following imports from autograder/notebook.py: the tooling, engines and CLI never ship."""
    shipped = runtime_files()
    assert {"__init__.py", "notebook.py", "runner.py", "cases.py", "checks/__init__.py"} <= set(shipped)
    for home in ("cli.py", "config.py", "master.py", "samples.py", "release/", "grading/", "sandbox/"):
        assert not any(name == home or name.startswith(home) for name in shipped), f"{home} would ship"


def test_shipped_modules_import_only_numpy_torch_and_the_notebook_stack():
    """The runtime library copied into releases must not need pydantic, click, yaml...; relative imports ship
    by construction (runtime_files follows them)."""
    # sklearn: a4's digits (autograder/digits.py), loaded only by its hidden training test, on the grader
    allowed_third_party = {"numpy", "torch", "jinja2", "IPython", "otter", "sklearn"}
    for name in runtime_files():
        tree = ast.parse((PACKAGE_DIR / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "level", 0) == 0:
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                for module in modules:
                    top = module.split(".")[0]
                    assert top in allowed_third_party or top in __import__("sys").stdlib_module_names, \
                        f"{name} imports {module}"


def execute(path, allow_errors=False):
    nb = read_nb(path)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def check_outputs(nb) -> dict[str, str]:
    texts = {}
    for cell in nb.cells:
        if cell.metadata.get("course", {}).get("role") == "question":
            texts[cell.metadata["course"]["question"]] = "".join(
                o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
    return texts


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_runs_headless_top_to_bottom(built, assignment):
    """No cell raises; every check cell reports zero public points and says what is not implemented."""
    nb = execute(built[assignment].handout_dir / built[assignment].notebook)
    for question, text in check_outputs(nb).items():
        assert f"{question}: public checks give 0 of" in text
        assert "not implemented" in text
    for cell in nb.cells:
        assert not any(o.get("name") == "stderr" for o in cell.get("outputs", [])), cell.source[:80]


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_filled_release_runs_headless_with_full_public_points(built, sample_notebooks, assignment, tmp_path):
    folder = tmp_path / "filled"
    shutil.copytree(built[assignment].handout_dir, folder)
    shutil.copyfile(sample_notebooks[assignment] / "reference.ipynb", folder / built[assignment].notebook)
    nb = execute(folder / built[assignment].notebook)
    for question, text in check_outputs(nb).items():
        assert "All test cases passed" in text or "passed!" in text, text[:500]


@integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_validate(built, sample_notebooks, assignment, tmp_path):
    """nbgrader's Validate (the button students press): the untouched release fails, the reference passes."""
    from nbgrader.validator import Validator

    folder = tmp_path / "release"
    shutil.copytree(built[assignment].handout_dir, folder)
    notebook = folder / built[assignment].notebook
    untouched = Validator().validate(str(notebook))
    assert untouched.get("failed"), untouched
    shutil.copyfile(sample_notebooks[assignment] / "reference.ipynb", notebook)
    assert Validator().validate(str(notebook)) == {}


def test_nbgrader_hidden_cells_carry_specs_that_python_can_read_with_nan_references():
    """A reference may be NaN on purpose (a mistake's result); the hidden cell's specs must still be valid Python."""
    import ast
    import json

    from autograder.release.preprocessors import _spec_literal

    specs = [{"name": "t", "cases": [{"reference": {"values": {"alternatives": {"no_floor": float("nan")}}}}]}]
    text = ast.literal_eval(_spec_literal(specs))
    value = json.loads(text)[0]["cases"][0]["reference"]["values"]["alternatives"]["no_floor"]
    assert value != value  # NaN survives
