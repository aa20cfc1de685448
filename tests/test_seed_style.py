"""Submissions in the seed course's own style (tests/samples/seed_style: results stored in self.output_array and
self.delta_array, nothing returned, helper functions, loops) score exactly what the same code with returns scores."""

import dataclasses

import pytest

from autograder import samples as sample_defs
from autograder.samples import samples_folder

from .conftest import ASSIGNMENTS, library_results

SEED_DIR = samples_folder() / "seed_style"
SEED_SAMPLES = [(a, s) for a in ASSIGNMENTS for s in sample_defs.load_samples(a)
                if "seed_style" in str(s.origin)]


def with_returns(sample, root):
    """The same sample with every `#> return ...` line of the seed-style files made real."""
    (root / "seed_style").mkdir(exist_ok=True)
    for path in SEED_DIR.glob("*.py"):
        (root / "seed_style" / path.name).write_text(path.read_text().replace("#> return", "return"))
    folder = root / sample.directory.name
    folder.mkdir(exist_ok=True)
    return dataclasses.replace(sample, directory=folder)


def test_every_assignment_has_seed_style_samples():
    assert {a for a, _ in SEED_SAMPLES} == set(ASSIGNMENTS)
    assert all(any(line.strip().startswith("#> return") for line in p.read_text().splitlines())
               for p in SEED_DIR.glob("a*.py"))


# assignment 2 runs gradient checks, assignment 4 trains LeNet, twice per sample: slow tier
PARAMS = [pytest.param(a, s, id=f"{a}-{s.name}", marks=[pytest.mark.integration] if a in ("a2", "a4") else [])
          for a, s in SEED_SAMPLES]


@pytest.mark.parametrize("assignment, sample", PARAMS)
def test_storing_scores_what_returning_scores(masters, tmp_path, assignment, sample):
    master = masters[assignment]
    scored = lambda spec: spec.points > 0  # noqa: E731  (a report, worth nothing, cannot score differently)
    stored = library_results(master, sample_defs.namespace(sample, master), select=scored)
    returned = library_results(master, sample_defs.namespace(with_returns(sample, tmp_path), master), select=scored)
    assert {t: r["passed"] for t, r in stored.items()} == {t: r["passed"] for t, r in returned.items()}
    assert {t: r["mistake"] for t, r in stored.items()} == {t: r["mistake"] for t, r in returned.items()}
