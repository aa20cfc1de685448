"""How the course runs the tools it drives (otter, nbgrader) as subprocesses, for building releases and grading."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def tool_environment() -> dict:
    """The environment for otter/nbgrader subprocesses: this interpreter's bin/ first (nbgrader runs `alembic`)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env
