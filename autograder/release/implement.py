"""Render what students implement from the reference code in solutions/, in one of four styles:

- solution: the reference code as it is (grading bundles, the filled sample notebook);
- nbgrader: each body wrapped in ### BEGIN SOLUTION / ### END SOLUTION (nbgrader replaces it with its stub);
- stub:     bodies replaced by `raise NotImplementedError`; answers become `name = None`.

Signatures and docstrings are kept in every style, so students see shapes and contracts.
"""

from __future__ import annotations

import ast
from functools import lru_cache

from ..config import course_root
from ..master import Implement, MasterError

STYLES = ("solution", "nbgrader", "stub")
CARRIED_NOTE = "# From an earlier assignment: paste your implementation here."
ANSWER_STUB = "{name} = None  # replace None with your answer"


def _module(module_name: str) -> tuple[list[str], ast.Module]:
    """Lines and AST of a solutions module of the course, read as text (solutions/ is never imported or installed)."""
    return _module_in(course_root(), module_name)


@lru_cache(maxsize=None)
def _module_in(root, module_name: str) -> tuple[list[str], ast.Module]:
    path = root.joinpath(*module_name.split(".")).with_suffix(".py")
    if not path.is_file():
        raise MasterError(f"{module_name}: no file {path.relative_to(root)}")
    source = path.read_text(encoding="utf-8")
    return source.splitlines(), ast.parse(source, filename=str(path))


def _top_level(module_name: str, name: str):
    lines, tree = _module(module_name)
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            return lines, node
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return lines, node
    raise MasterError(f"{module_name} defines no {name!r}")


def _docstring_end(node) -> int | None:
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.end_lineno
    return None


def _render_function(lines: list[str], node: ast.FunctionDef, style: str, carried: bool) -> list[str]:
    start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    doc_end = _docstring_end(node)
    body_start = doc_end + 1 if doc_end else node.body[0].lineno
    head = lines[start - 1:body_start - 1]
    body = lines[body_start - 1:node.end_lineno]
    indent = " " * (node.col_offset + 4)
    note = [indent + CARRIED_NOTE] if carried and style != "solution" else []
    if style == "solution":
        return head + body
    if style == "stub":
        return head + note + [f"{indent}raise NotImplementedError()"]
    return head + note + [f"{indent}### BEGIN SOLUTION"] + body + [f"{indent}### END SOLUTION"]


def _render_class(lines, node: ast.ClassDef, style: str, members, carried) -> list[str]:
    doc_end = _docstring_end(node)
    first_member = doc_end + 1 if doc_end else node.body[0].lineno
    out = lines[node.lineno - 1:first_member - 1]
    wanted = set(members) if members else None
    known = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
    unknown = (wanted or set()) - known
    if unknown:
        raise MasterError(f"class {node.name} has no method(s) {sorted(unknown)}")
    for item in node.body:
        if not isinstance(item, ast.FunctionDef) or (wanted is not None and item.name not in wanted):
            continue
        out.append("")
        out += _render_function(lines, item, style, carried=carried == "all" or item.name in carried)
    return out


def _render_answer(lines, node: ast.Assign, name: str, style: str) -> list[str]:
    start = node.lineno
    while start > 1 and lines[start - 2].lstrip().startswith("#"):
        start -= 1
    comments = lines[start - 1:node.lineno - 1]
    if style == "solution":
        return comments + lines[node.lineno - 1:node.end_lineno]
    return comments + [ANSWER_STUB.format(name=name)]


def is_answer_cell(implement: Implement) -> bool:
    """True when the cell imports only constants (numeric answers), False when only classes/functions."""
    kinds = {isinstance(_top_level(implement.module, n)[1], ast.Assign) for n in implement.names}
    if len(kinds) > 1:
        raise MasterError(f"implement cell {implement.names}: do not mix answers and code in one cell")
    return kinds == {True}


def render(implement: Implement, style: str) -> str:
    """Source text of an implement cell in the given style."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    blocks = []
    for name in implement.names:
        lines, node = _top_level(implement.module, name)
        carried = implement.carried.get(name, [])
        if isinstance(node, ast.ClassDef):
            blocks.append(_render_class(lines, node, style, implement.members.get(name), carried))
        elif isinstance(node, ast.FunctionDef):
            blocks.append(_render_function(lines, node, style, carried=bool(carried)))
        else:
            blocks.append(_render_answer(lines, node, name, style))
    separator = [""] if any(isinstance(_top_level(implement.module, n)[1], ast.Assign) for n in implement.names) else ["", ""]
    out: list[str] = []
    for block in blocks:
        out += (separator if out else []) + block
    return "\n".join(out)


def solution_bodies(implement: Implement) -> list[str]:
    """The reference code lines a release must never contain (bodies and answer values), for leak scans."""
    solution, stub = render(implement, "solution").splitlines(), set(render(implement, "stub").splitlines())
    return [line.strip() for line in solution if line.strip() and line not in stub and not line.strip().startswith("#")]
