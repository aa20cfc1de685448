"""Test data files: the cases of one question's tests, pretty-printed JSON beside its otter test file.

`tests/<question>.py` holds one short call per test (`run_otter_test(env, "conv_forward.padding")`);
`tests/<question>.json` holds what those calls read: each test's check, points and cases, and for public cases
their inputs and expected values. Students receive the public tests only; the autograder zip receives all.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..master import Question

INDENT = "  "
LONG_ROW = 200  # a row whose line would be this long or longer is wrapped, ROW_CHUNK numbers per line
ROW_CHUNK = 6


def _scalar(value) -> bool:
    return not isinstance(value, (dict, list))


def dumps(value, level: int = 0) -> str:
    """JSON with one key per line, and each innermost list of numbers (a row of an array) on one line."""
    pad, inner = INDENT * level, INDENT * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {dumps(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value and not all(_scalar(v) for v in value):
        return "[\n" + ",\n".join(inner + dumps(v, level + 1) for v in value) + f"\n{pad}]"
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and len(pad + text) >= LONG_ROW:  # a long row (a4's 54 weights): a few per line
        chunks = [", ".join(json.dumps(v) for v in value[i:i + ROW_CHUNK]) for i in range(0, len(value), ROW_CHUNK)]
        return "[\n" + ",\n".join(inner + chunk for chunk in chunks) + f"\n{pad}]"
    return text


def question_data(question: Question, public_only: bool) -> dict:
    """{'question': name, 'tests': {test name: spec}}; hidden tests left out when public_only."""
    tests = [t for t in question.tests if not (public_only and t.hidden)]
    return {"question": question.name, "tests": {t.name: t.to_dict() for t in tests}}


def write_test_data(folder: Path, questions: dict[str, Question], public_only: bool) -> list[Path]:
    """Write tests/<question>.json for every question into `folder`; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for question in questions.values():
        path = folder / f"{question.name}.json"
        path.write_text(dumps(question_data(question, public_only)) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
