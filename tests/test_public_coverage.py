"""Every named mistake is also caught by a public check of its question: a planted sample that makes a mistake
(it loses some test of a question, naming that mistake) fails at least one of that question's public tests.
Answer questions keep format-only public checks, so that they do not give the answer away."""

import fnmatch

import pytest

from autograder import samples as sample_defs
from autograder.runner import run_test

from .conftest import ASSIGNMENTS

NAMED = [(a, s) for a in ASSIGNMENTS for s in sample_defs.load_samples(a)
         if isinstance(s.expect, dict) and any(s.expect.get("lose", {}).values())]


def questions_with_named_mistakes(master, sample) -> set[str]:
    test_ids = [t.id for q in master.questions.values() for t in q.tests]
    found = set()
    for pattern, mistake in sample.expect["lose"].items():
        if mistake:
            found |= {t.split(".")[0] for t in test_ids if fnmatch.fnmatchcase(t, pattern)}
    return {q for q in found if not all(t.check == "answer" for t in master.questions[q].tests)}


@pytest.mark.parametrize("assignment, sample", NAMED, ids=[f"{a}-{s.name}" for a, s in NAMED])
def test_a_public_check_catches_each_named_mistake(masters, assignment, sample):
    master = masters[assignment]
    namespace = sample_defs.namespace(sample, master)
    uncaught = [q for q in sorted(questions_with_named_mistakes(master, sample))
                if all(run_test(t, namespace).passed for t in master.questions[q].tests if not t.hidden)]
    assert uncaught == [], f"no public test of {uncaught} fails for {sample.name}"
