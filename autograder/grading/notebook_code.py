"""The code a submission's namespace is built from: its code cells as plain Python, read as IPython reads them.

Runs in the grader, never in the child. IPython's own input transformer decides what is a magic or a shell
escape, so Python inside brackets (a PEP 8 line break before `%` or `!=`) is never taken for one. Harmless magics
keep their code (`%%time`, `%%capture`, `%%timeit`, `%time`, `%timeit`: the code runs once); every other magic or
shell line is left out and named in a note with its cell and line. Code a student typed into a locked cell (a check
cell, the init cell) is graded when no answer cell defines the same names, or named in a note when one does.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import nbformat
from IPython.core.inputtransformer2 import TransformerManager, make_tokens_by_line

RUNS_CODE_LINE = {"time", "timeit", "prun"}           # `%time stmt`: the statement runs, once
RUNS_CODE_CELL = {"time", "timeit", "capture", "prun"}  # `%%time` + body: the body runs, once
MAGIC_METHODS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
COURSE_CALLS = {"check", "grade", "check_all", "export"}  # what the course itself writes in locked cells
COURSE_MODULES = {"otter", "autograder"}
LOCKED_ROLES = {"init", "question", "export"}  # export: the release's last cell, otter's export
ANSWER_ROLES = {"implement", "answer"}
_TIMEIT_OPTIONS = re.compile(r"^\s*(?:-[nrp]\s*\d+(?:\.\d*)?\s*|-[tcqo]\s+)*")
_MAYBE_IPYTHON = re.compile(r"^[ \t]*[%!?,;/]|=[ \t]*[%!]|\?[ \t]*$", re.M)  # else plain Python: left as it is
IPYTHON_BYTES = 2 << 20     # per notebook: code with IPython syntax read through IPython's transformer
IPYTHON_LINES = 1000        # per notebook: magics and shell lines; a notebook with more is not an honest one
_TRANSFORMER = TransformerManager()


def _role(cell) -> str | None:
    meta = cell.get("metadata", {}).get("course")
    return meta.get("role") if isinstance(meta, dict) else None


def _magic(node) -> tuple[str, str, list[str]] | None:
    """('run_line_magic', 'time', ['time', 'f()']) for a get_ipython() call the transformer wrote, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in MAGIC_METHODS and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name) and node.func.value.func.id == "get_ipython"):
        return None
    args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else "" for a in node.args]
    name = args[0] if node.func.attr.startswith("run_") and args else node.func.attr
    return node.func.attr, name, args


def _display(kind: str, args: list[str]) -> str:
    """The magic as the student typed it, shortened: '%matplotlib inline', '!ls -l', '%%bash'."""
    if kind == "run_line_magic":
        text = f"%{args[0]} {args[1] if len(args) > 1 else ''}".strip()
    elif kind == "run_cell_magic":
        text = f"%%{args[0]} {args[1] if len(args) > 1 else ''}".strip()
    else:
        text = f"!{args[0] if args else ''}"
    return text if len(text) <= 60 else text[:57] + "..."


class IPythonReader:
    """IPython's own input transformer, applied one logical line at a time (IPython's is quadratic in the number
    of magics of a cell), within a budget per notebook."""

    def __init__(self):
        self.bytes_left, self.lines_left = IPYTHON_BYTES, IPYTHON_LINES

    def transform(self, source: str, cell: "CellCode") -> str | None:
        """The source with IPython syntax turned into get_ipython() calls; None when over the budget."""
        if not _MAYBE_IPYTHON.search(source):
            return source
        if source.lstrip().startswith("%%"):  # a cell magic: one step of IPython's, the body stays text
            return _TRANSFORMER.transform_cell(source)
        self.bytes_left -= len(source)
        if self.bytes_left < 0:
            cell.notes.append(f"code cell {cell.number} was left out: the notebook holds more than "
                              f"{IPYTHON_BYTES >> 20} MiB of code with IPython syntax")
            return None
        lines = source.splitlines(keepends=True)
        out, done = [], 0
        for tokens in make_tokens_by_line(lines):
            rows = [t.start[0] for t in tokens] + [t.end[0] for t in tokens]
            if not rows or max(rows) <= done:
                continue
            first, last = max(min(rows), done + 1), min(max(rows), len(lines))
            out += lines[done:first - 1]
            text = "".join(lines[first - 1:last])
            if _MAYBE_IPYTHON.search(text):
                self.lines_left -= 1
                if self.lines_left < 0:
                    cell.notes.append(f"code cell {cell.number} was left out: the notebook holds more than "
                                      f"{IPYTHON_LINES} magics and shell lines")
                    return None
                text = self._logical_line(text)
            out.append(text)
            done = last
        out += lines[done:]
        return "".join(out)

    @staticmethod
    def _logical_line(text: str) -> str:
        """One logical line through IPython's transformer, at its own indentation."""
        indent = text[:len(text) - len(text.lstrip(" \t"))]
        body = "".join(line[len(indent):] if line.startswith(indent) else line
                       for line in text.splitlines(keepends=True))
        transformed = _TRANSFORMER.transform_cell(body)
        if transformed.strip() == body.strip():
            return text
        ending = "\n" if text.endswith("\n") else ""
        return "".join(indent + line for line in transformed.rstrip("\n").splitlines(keepends=True)) + ending


@dataclass
class CellCode:
    """One code cell turned into plain Python, with notes on what was left out."""

    number: int
    reader: IPythonReader = field(default_factory=IPythonReader)
    notes: list[str] = field(default_factory=list)

    def python(self, source: str) -> str:
        """The cell as Python: magics replaced by the code they run, or by `pass` with a note."""
        transformed = self.reader.transform(source, self)
        if transformed is None:
            return ""
        if transformed == source:
            return source
        try:
            tree = ast.parse(transformed)
        except SyntaxError:
            return transformed  # the student's own syntax error; the child reports it as such
        tree = _Magics(self, 0).visit(tree)
        ast.fix_missing_locations(tree)
        return ast.unparse(tree)

    def left_out(self, line: int, what: str, why: str = "the grader runs plain Python") -> None:
        self.notes.append(f"code cell {self.number}, line {line}: {what} was left out ({why})")


class _Magics(ast.NodeTransformer):
    """Replaces the get_ipython() calls of one cell by the code they would run, or by nothing."""

    def __init__(self, cell: CellCode, line_offset: int):
        self.cell, self.offset = cell, line_offset

    def _parse(self, code: str, line: int) -> list[ast.stmt] | None:
        """Code a harmless magic runs, itself read as IPython reads it (it may hold more magics)."""
        code = self.cell.reader.transform(code, self.cell)
        if code is None:
            return []
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return None
        tree = _Magics(self.cell, line - 1).visit(tree)
        for node in ast.walk(tree):  # the notes and tracebacks point at the magic's line
            if hasattr(node, "lineno"):
                node.lineno = node.end_lineno = line
        return tree.body

    def visit_Expr(self, node: ast.Expr):
        found = _magic(node.value)
        if found is None:
            return self.generic_visit(node)
        kind, name, args = found
        line = node.lineno + self.offset
        body = None
        if kind == "run_line_magic" and name in RUNS_CODE_LINE and len(args) > 1:
            body = self._parse(_TIMEIT_OPTIONS.sub("", args[1], count=1), line)
        elif kind == "run_cell_magic" and name in RUNS_CODE_CELL and len(args) > 2:
            setup = _TIMEIT_OPTIONS.sub("", args[1], count=1) if name == "timeit" else ""
            body = self._parse(f"{setup}\n{args[2]}" if setup.strip() else args[2], line)
        if body is not None:
            return body or ast.Pass(lineno=node.lineno, col_offset=node.col_offset)
        if kind == "run_cell_magic":
            lines = len(args[2].splitlines()) if len(args) > 2 else 0
            self.cell.left_out(line, f"the cell magic {_display(kind, args)!r} with the {lines} line(s) under it")
        else:
            self.cell.left_out(line, f"the IPython line {_display(kind, args)!r}")
        return ast.copy_location(ast.Pass(), node)

    def visit_Call(self, node: ast.Call):
        found = _magic(node)
        if found is None:
            return self.generic_visit(node)
        kind, name, args = found
        line = node.lineno + self.offset
        if kind == "run_line_magic" and name in RUNS_CODE_LINE and len(args) > 1:
            try:
                return ast.copy_location(ast.parse(_TIMEIT_OPTIONS.sub("", args[1], count=1).strip(),
                                                   mode="eval").body, node)
            except SyntaxError:
                pass
        self.cell.left_out(line, f"the IPython expression {_display(kind, args)!r}", "its value is None here")
        return ast.copy_location(ast.Constant(None), node)


def _defined_names(statements: list[ast.stmt]) -> set[str]:
    """Names a list of top-level statements binds: classes, functions, assignments, imports."""
    names = set()
    for stmt in statements:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def _is_course_statement(stmt: ast.stmt) -> bool:
    """What the release itself puts in a locked cell: check("q") calls, otter/autograder imports and set-up."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        return name in COURSE_CALLS
    if isinstance(stmt, ast.Import):
        return all(a.name.split(".")[0] in COURSE_MODULES for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        return (stmt.module or "").split(".")[0] in COURSE_MODULES
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        return name in ("Notebook", "PublicChecks")
    return False


def _short(stmt: ast.stmt) -> str:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"def {stmt.name}"
    if isinstance(stmt, ast.ClassDef):
        return f"class {stmt.name}"
    text = ast.unparse(stmt).splitlines()[0]
    return text if len(text) <= 50 else text[:47] + "..."


def _locked_cell_code(cell: CellCode, python: str, answer_names: set[str], answer_cell: int | None,
                      restored: bool = False) -> str | None:
    """The student's own statements in a locked cell, when they are graded; a note for every one found.

    `restored`: the engine puts the release's cell back (nbgrader), so nothing typed there is graded."""
    try:
        tree = ast.parse(python)
    except SyntaxError as exc:
        cell.notes.append(f"code cell {cell.number} is a locked cell and was changed into code that is not valid "
                          f"Python (line {exc.lineno}); it was not graded")
        return None
    own = [stmt for stmt in tree.body if not _is_course_statement(stmt)]
    if not own:
        return None
    target = f"code cell {answer_cell}" if answer_cell else "a cell for your answers"
    graded = []
    for stmt in own:
        names = _defined_names([stmt])
        where = f"code cell {cell.number} (a locked cell), line {stmt.lineno}: your code `{_short(stmt)}`"
        if restored:
            cell.notes.append(f"{where} was not graded: locked cells are restored before grading; move it to {target}")
        elif names and names <= answer_names:
            cell.notes.append(f"{where} was not graded: a cell for your answers defines "
                              f"{', '.join(sorted(names))} too; move it to {target}")
        else:
            cell.notes.append(f"{where} was graded, but locked cells are restored by other tools: move it to {target}")
            graded.append(stmt)
    return ast.unparse(ast.Module(body=graded, type_ignores=[])) if graded else None


def notebook_code(nb: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """One Python source per code cell of the notebook, in order (so "cell N" means the same everywhere), and notes
    on what was left out.

    The course's own cells (otter's init, check cells) are replaced by grading: they become empty, or hold only
    what a student typed into them when that is graded (see the module docstring).
    """
    cells, pending, notes = [], [], {}
    answer_names: set[str] = set()
    answer_cell = None
    reader = IPythonReader()
    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, start=1):
        if _role(cell) == "demo":  # a demonstration cell of the release (data, training, plots): never graded
            notes[number] = [f"code cell {number} is a demonstration: it was not run (no grader runs demonstrations)"]
            cells.append("")
            continue
        code = CellCode(number, reader)
        python = code.python(cell.source)
        notes[number] = code.notes
        if _role(cell) in LOCKED_ROLES:
            pending.append((code, python, answer_cell))
            cells.append("")
            continue
        try:
            answer_names |= _defined_names(ast.parse(python).body)
        except SyntaxError:
            pass
        if _role(cell) in ANSWER_ROLES:
            answer_cell = number
        cells.append(python)
    # locked cells last: their code is graded only if no answer cell (before or after them) defines the same names
    for code, python, before in pending:
        cells[code.number - 1] = _locked_cell_code(code, python, answer_names, before) or ""
    return cells, [n for number in sorted(notes) for n in notes[number]]


def locked_cell_notes(nb: nbformat.NotebookNode) -> list[str]:
    """For engines that restore locked cells before grading (nbgrader): every piece of code typed into one."""
    notes, answer_cell, reader = [], None, IPythonReader()
    for number, cell in enumerate((c for c in nb.cells if c.get("cell_type") == "code"), start=1):
        if _role(cell) in ANSWER_ROLES:
            answer_cell = number
        if _role(cell) in LOCKED_ROLES:
            code = CellCode(number, reader)
            _locked_cell_code(code, code.python(cell.source), set(), answer_cell, restored=True)
            notes += code.notes
    return notes
