"""The otter autograder zip's grading environment agrees with the course: Python 3.11 and torch's CPU build."""

from __future__ import annotations

import re
import sys

import nbformat
import yaml

from autograder.release import preprocessors as pp
from autograder.release.pipelines import GRADING_REQUIREMENTS

COURSE_PYTHON = "3.11"   # the course's interpreter (README, Makefile, .ci)


def test_the_assignment_config_asks_for_the_courses_python(masters):
    nb, _ = pp.AddOtterConfig().preprocess(nbformat.v4.new_notebook(), {"master": masters["a1"]})
    config = yaml.safe_load(nb.cells[0].source.split("\n", 1)[1])
    assert str(config["python_version"]) == COURSE_PYTHON


def test_torch_is_the_cpu_build_of_the_pinned_version():
    lines = GRADING_REQUIREMENTS.splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    torch = next(line for line in lines if line.startswith("torch"))
    assert re.fullmatch(r"torch==2\.13\.0\+cpu", torch)
