"""Small syntactic mutants of Python source, found on its AST and applied as text edits (the rest stays as written).

Operators: an arithmetic or comparison operator swapped, an integer off by one, height and width swapped (names,
attributes, two-element tuples), a slice step dropped, an augmented assignment changed (-= <-> +=, += -> =), a
statement dropped. Only the parts of the source given by `regions` (line ranges) are mutated.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass

BINARY = {ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Div, ast.Add), ast.Div: (ast.Mult, ast.FloorDiv),
          ast.FloorDiv: (ast.Div,), ast.Mod: (ast.FloorDiv,), ast.Pow: (ast.Mult,)}
COMPARE = {ast.Gt: (ast.GtE,), ast.GtE: (ast.Gt,), ast.Lt: (ast.LtE,), ast.LtE: (ast.Lt,), ast.Eq: (ast.NotEq,),
           ast.NotEq: (ast.Eq,)}
AUGMENTED = {ast.Sub: ("+=", "="), ast.Add: ("-=", "="), ast.Mult: ("/=", "="), ast.Div: ("*=", "=")}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
           ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
SWAPS = {"width": "height", "height": "width", "w": "h", "h": "w", "fw": "fh", "fh": "fw", "rows": "cols",
         "cols": "rows", "out_w": "out_h", "out_h": "out_w"}
OPERATORS = ("binary", "compare", "integer", "height_width", "slice_step", "augmented", "statement")


@dataclass(frozen=True)
class Mutation:
    """One edit: replace the text from (line, col) to (end_line, end_col) (1-based lines, 0-based columns)."""

    operator: str
    line: int
    col: int
    end_line: int
    end_col: int
    replacement: str
    description: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        offsets = [0]
        for text in lines:
            offsets.append(offsets[-1] + len(text))
        start = offsets[self.line - 1] + self.col
        end = offsets[self.end_line - 1] + self.end_col
        return source[:start] + self.replacement + source[end:]


def swapped_identifier(name: str) -> str | None:
    """width <-> height in an identifier (by underscore-separated words), or None when it has neither."""
    if name in SWAPS:
        return SWAPS[name]
    words = name.split("_")
    if not any(w in ("width", "height") for w in words):
        return None
    return "_".join(SWAPS.get(w, w) if w in ("width", "height") else w for w in words)


class Mutator(ast.NodeVisitor):
    """Every mutation of a source text inside the given line regions, in source order."""

    def __init__(self, source: str, regions: list[tuple[int, int]]):
        if not source.isascii():
            raise ValueError("the mutator works on ASCII source (AST columns are byte offsets)")
        self.source, self.regions = source, regions
        self.lines = source.splitlines()
        self.found: list[Mutation] = []
        self.docstrings: set[int] = set()

    def mutations(self) -> list[Mutation]:
        tree = ast.parse(self.source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    self.docstrings.add(id(first))
        self.visit(tree)
        unique = {(m.line, m.col, m.end_line, m.end_col, m.replacement): m for m in self.found}
        return sorted(unique.values(), key=lambda m: (m.line, m.col, m.end_line, m.end_col, m.replacement))

    def inside(self, node) -> bool:
        return any(start <= node.lineno and node.end_lineno <= end for start, end in self.regions)

    def add(self, operator, node, replacement, description, start=None, end=None):
        line, col = start or (node.lineno, node.col_offset)
        end_line, end_col = end or (node.end_lineno, node.end_col_offset)
        self.found.append(Mutation(operator, line, col, end_line, end_col, replacement, description))

    def text(self, node) -> str:
        return ast.get_source_segment(self.source, node)

    def _operator_between(self, left, right, symbol: str):
        """(line, col) of `symbol` in the text between two nodes (skipping parentheses), or None."""
        line, col = left.end_lineno, left.end_col_offset
        while (line, col) < (right.lineno, right.col_offset):
            text = self.lines[line - 1]
            stop = right.col_offset if line == right.lineno else len(text)
            found = text.find(symbol, col, stop)
            while found >= 0 and symbol in ("*", "/") and text[found:found + 2] in ("**", "//"):
                found = text.find(symbol, found + 2, stop)
            if found >= 0:
                return line, found
            line, col = line + 1, 0
        return None

    def visit_BinOp(self, node):
        if self.inside(node):
            symbol = SYMBOLS.get(type(node.op))
            where = self._operator_between(node.left, node.right, symbol) if symbol else None
            for new in BINARY.get(type(node.op), ()):
                if where:
                    self.add("binary", node, SYMBOLS[new], f"`{symbol}` -> `{SYMBOLS[new]}`", start=where,
                             end=(where[0], where[1] + len(symbol)))
        self.generic_visit(node)

    def visit_Compare(self, node):
        if self.inside(node):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                symbol = SYMBOLS.get(type(op))
                where = self._operator_between(left, right, symbol) if symbol else None
                for new in COMPARE.get(type(op), ()):
                    if where:
                        self.add("compare", node, SYMBOLS[new], f"`{symbol}` -> `{SYMBOLS[new]}`", start=where,
                                 end=(where[0], where[1] + len(symbol)))
                left = right
        self.generic_visit(node)

    def visit_Constant(self, node):
        if self.inside(node) and type(node.value) is int and node.col_offset >= 0:
            for new in (node.value + 1, node.value - 1):
                if new >= 0 or node.value < 0:
                    self.add("integer", node, str(new), f"`{node.value}` -> `{new}`")

    def visit_Name(self, node):
        swapped = swapped_identifier(node.id) if self.inside(node) else None
        if swapped:
            self.add("height_width", node, swapped, f"`{node.id}` -> `{swapped}`")

    def visit_Attribute(self, node):
        swapped = swapped_identifier(node.attr) if self.inside(node) else None
        if swapped:
            self.add("height_width", node, swapped, f"`.{node.attr}` -> `.{swapped}`",
                     start=(node.end_lineno, node.end_col_offset - len(node.attr)))
        self.generic_visit(node)

    def visit_Tuple(self, node):
        simple = (ast.Name, ast.Constant, ast.Attribute)
        if (self.inside(node) and len(node.elts) == 2 and all(isinstance(e, simple) for e in node.elts)
                and self.text(node.elts[0]) != self.text(node.elts[1])):
            a, b = (self.text(e) for e in node.elts)
            self.add("height_width", node, f"{b}, {a}", f"`{a}, {b}` -> `{b}, {a}`",
                     start=(node.elts[0].lineno, node.elts[0].col_offset),
                     end=(node.elts[1].end_lineno, node.elts[1].end_col_offset))
        self.generic_visit(node)

    def visit_Slice(self, node):
        if self.inside(node) and node.step is not None:
            kept = ast.Slice(lower=node.lower, upper=node.upper, step=None)
            self.add("slice_step", node, ast.unparse(kept), f"step `{self.text(node.step)}` dropped")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if self.inside(node) and type(node.op) in AUGMENTED:
            symbol = SYMBOLS[type(node.op)] + "="
            where = self._operator_between(node.target, node.value, symbol)
            for new in AUGMENTED[type(node.op)]:
                if where:
                    self.add("augmented", node, new, f"`{symbol}` -> `{new}`", start=where,
                             end=(where[0], where[1] + len(symbol)))
        self.generic_visit(node)

    def generic_visit(self, node):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            statements = [s for s in body if self.inside(s) and id(s) not in self.docstrings
                          and not isinstance(s, (ast.FunctionDef, ast.ClassDef, ast.Pass))]
            for stmt in statements:
                line = self.lines[stmt.lineno - 1]
                if line[:stmt.col_offset].strip():
                    continue  # shares its line with something else
                first = self.text(stmt).splitlines()[0]
                self.add("statement", stmt, "pass", f"`{first.strip()}` dropped",
                         end=(stmt.end_lineno, stmt.end_col_offset))
        super().generic_visit(node)


def unified_diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"{name} (solution)", tofile=f"{name} (mutant)", n=1))
