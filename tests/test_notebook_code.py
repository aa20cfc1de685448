"""Honest notebooks keep their marks: magics read as IPython reads them, code in locked cells graded or named."""

import nbformat
import pytest

from autograder.grading.notebook_code import notebook_code


def notebook(*cells) -> nbformat.NotebookNode:
    """cells: (source, role) pairs; role None is an ordinary cell."""
    made = []
    for source, role in cells:
        cell = nbformat.v4.new_code_cell(source)
        if role:
            cell.metadata["course"] = {"role": role}
        made.append(cell)
    return nbformat.v4.new_notebook(cells=made)


def run(cells) -> dict:
    namespace = {}
    for code in cells:
        exec(compile(code, "<cell>", "exec"), namespace)
    return namespace


def test_pep8_breaks_before_an_operator_are_not_magics():
    source = "a, b = 7, 3\nx = (a\n     % b)\ny = (a\n     != b)\nz = [a,\n     -b]\n"
    cells, notes = notebook_code(notebook((source, "implement")))
    assert cells == [source] and notes == []
    assert run(cells)["x"] == 1 and run(cells)["y"] is True


@pytest.mark.parametrize("magic", ["%%time", "%%capture out", "%%timeit -n 3 -r 1", "%%prun"])
def test_harmless_cell_magics_keep_their_code_which_runs_once(magic):
    cells, notes = notebook_code(notebook((f"{magic}\ncalls = globals().get('calls', 0) + 1\nz = 2 * calls\n",
                                           None)))
    namespace = run(cells)
    assert notes == [] and namespace["calls"] == 1 and namespace["z"] == 2


def test_timeit_setup_on_the_magic_line_runs_first():
    cells, _ = notebook_code(notebook(("%%timeit -n1 base = 5\ntotal = base + 1\n", None)))
    assert run(cells)["total"] == 6


def test_line_magics_that_time_code_run_it_and_other_magics_are_named_with_cell_and_line():
    source = ("%matplotlib inline\n!ls -l\nimport math\n%time r = math.sqrt(16)\nfiles = !ls\n"
              "for i in range(2):\n    %timeit -n1 -r1 last = i\n")
    cells, notes = notebook_code(notebook(("x = 0", None), (source, "implement")))
    namespace = run(cells)
    assert namespace["r"] == 4 and namespace["last"] == 1 and namespace["files"] is None
    assert notes == ["code cell 2, line 1: the IPython line '%matplotlib inline' was left out (the grader runs "
                     "plain Python)",
                     "code cell 2, line 2: the IPython line '!ls -l' was left out (the grader runs plain Python)",
                     "code cell 2, line 5: the IPython expression '!ls' was left out (its value is None here)"]


def test_a_left_out_cell_magic_is_named_and_its_block_stays_valid():
    cells, notes = notebook_code(notebook(("%%bash\necho hi\nls\n", None), ("if True:\n    !echo x\n", None)))
    run(cells)
    assert "code cell 1, line 1: the cell magic '%%bash' with the 2 line(s) under it was left out" in notes[0]
    assert notes[1].startswith("code cell 2, line 2: the IPython line '!echo x'")


def test_code_typed_into_a_check_cell_is_graded_when_no_answer_cell_has_it():
    cells, notes = notebook_code(notebook(
        ("import otter\ngrader = otter.Notebook('a.ipynb')\ncheck = PublicChecks(grader, points={})", "init"),
        ("# my answer is below", "implement"),
        ('check("conv")\nclass ConvLayer:\n    size = 3\n', "question")))
    assert run(cells)["ConvLayer"].size == 3
    assert notes == ["code cell 3 (a locked cell), line 2: your code `class ConvLayer` was graded, but locked cells "
                     "are restored by other tools: move it to code cell 2"]


def test_code_in_a_check_cell_that_an_answer_cell_also_defines_is_named_not_graded():
    cells, notes = notebook_code(notebook(
        ("class ConvLayer:\n    size = 0\n", "implement"),
        ('check("conv")\nclass ConvLayer:\n    size = 3\n', "question")))
    assert run(cells)["ConvLayer"].size == 0
    assert notes == ["code cell 2 (a locked cell), line 2: your code `class ConvLayer` was not graded: a cell for "
                     "your answers defines ConvLayer too; move it to code cell 1"]


def test_the_course_own_locked_cells_add_nothing():
    cells, notes = notebook_code(notebook(
        ("import otter\nfrom autograder.notebook import PublicChecks\ngrader = otter.Notebook('a.ipynb')\n"
         "check = PublicChecks(grader, points={'a': 1})", "init"),
        ("x = 1", "implement"), ('check("a")', "question"), ('grade("a", [])', "question")))
    assert cells == ["", "x = 1", "", ""] and notes == []  # one source per code cell: "cell 2" is cell 2


def test_a_broken_locked_cell_is_named():
    _, notes = notebook_code(notebook(("x = 1", "implement"), ('check("a")\ndef f(:\n', "question")))
    assert notes == ["code cell 2 is a locked cell and was changed into code that is not valid Python (line 2); "
                     "it was not graded"]


def test_a_syntax_error_is_left_for_the_child_to_report():
    cells, notes = notebook_code(notebook(("%matplotlib inline\ndef f(:\n", None)))
    assert notes == [] and "def f(:" in cells[0]


def test_for_nbgrader_every_piece_of_code_in_a_locked_cell_is_named():
    from autograder.grading.notebook_code import locked_cell_notes

    nb = notebook(("# answer below", "implement"), ('check("conv")\nclass ConvLayer:\n    pass\n', "question"),
                  ('check("other")', "question"))
    assert locked_cell_notes(nb) == ["code cell 2 (a locked cell), line 2: your code `class ConvLayer` was not "
                                     "graded: locked cells are restored before grading; move it to code cell 1"]


def test_a_flood_of_magics_is_read_in_bounded_time_and_named_once():
    flood = "\n".join(["%matplotlib inline"] * 1500)
    cells, notes = notebook_code(notebook(("x = 1", None), (flood, None), ("%ls\ny = 2", None)))
    assert cells[0] == "x = 1" and cells[1] == ""
    assert notes[-2:] == ["code cell 2 was left out: the notebook holds more than 1000 magics and shell lines",
                          "code cell 3 was left out: the notebook holds more than 1000 magics and shell lines"]


SOURCES = [
    "total = 0\nfor i in range(3):\n    %time total += (i % 2)\n    !echo {i}\nflag = (total\n        != 0)\n",
    "%matplotlib inline\nimport numpy as np\n!ls -l\nx = !ls\n%time y = f(1)\nfor i in range(3):\n    %time g(i)\n",
    "x = (a\n    % b)\ny = (c\n     != d)\nz = [1,\n     2]\n",
    "def f():\n    return 1\n# %not a magic in a comment\ns = \"\"\"\n%not a magic in a string\n\"\"\"\na?\n",
    "x = 1 \\\n  + 2\n%time \\\n  f()\nz = 3\nif True:\n    !echo hi\nelse:\n    pass\n",
]


@pytest.mark.parametrize("source", SOURCES)
def test_magics_are_read_exactly_as_ipython_reads_them(source):
    """One logical line at a time (bounded work) gives what IPython's transformer gives for the whole cell."""
    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.grading.notebook_code import CellCode

    cell = CellCode(1)
    assert cell.reader.transform(source, cell).rstrip("\n") == TransformerManager().transform_cell(source).rstrip("\n")


def test_indented_magics_and_bracketed_operators_in_one_cell():
    cells, notes = notebook_code(notebook((SOURCES[0], None)))
    namespace = run(cells)
    assert namespace["total"] == 1 and namespace["flag"] is True
    assert notes == ["code cell 1, line 4: the IPython line '!echo {i}' was left out (the grader runs plain Python)"]
