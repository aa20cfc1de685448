"""After a hidden test fails: the smallest failing configuration and the nearest passing one, on bundled mistakes."""

import contextlib
import dataclasses
import io

import pytest

from autograder import samples as sample_defs
from autograder.checks.simplify import simplifications
from autograder.runner import run_test


def sample_namespace(master, name):
    sample = next(s for s in sample_defs.load_samples(master.assignment.id) if s.name == name)
    with contextlib.redirect_stdout(io.StringIO()):  # the notebook's given cells print
        return sample_defs.namespace(sample, master)


def spec_of(master, test_id):
    question, name = test_id.split(".")
    return next(t for t in master.questions[question].tests if t.name == name)


@pytest.mark.parametrize("assignment, sample, test_id, change", [
    ("a1", "stride_ignored", "conv_forward.strides", "stride 1"),
    ("a1", "padding_ignored", "conv_forward.strides", "no zero padding"),
    ("a1", "bias_missing", "conv_forward.biases", "zero biases"),
    ("a2", "sensitivity_not_expanded", "bp_sensitivity_map.strides", "stride 1"),
    ("a2", "padding_not_removed", "bp_sensitivity_map.padding", "no zero padding"),
])
def test_a_bundled_mistake_gets_its_smallest_failing_configuration(masters, assignment, sample, test_id, change):
    spec = spec_of(masters[assignment], test_id)
    assert spec.hidden
    result = run_test(spec, sample_namespace(masters[assignment], sample))
    assert result.status == "failed"
    assert result.smallest is not None, result.message
    assert result.smallest["change"] == change
    assert f"it passes with {change}." in result.message
    assert "Smallest failing configuration found: " in result.message
    assert result.score == 0  # the search never changes the score


def test_stride_ignored_fails_with_a_stride_and_passes_without(masters):
    result = run_test(spec_of(masters["a1"], "conv_forward.strides"), sample_namespace(masters["a1"], "stride_ignored"))
    fails, passes = result.smallest["fails"], result.smallest["passes"]
    assert fails["stride"] > 1 and passes == {**fails, "stride": 1}
    assert fails["input_shape"][0] == 1 and fails["filter_number"] == 1  # simplified as far as it still fails


def test_the_search_is_deterministic(masters):
    namespace = sample_namespace(masters["a1"], "width_height_swapped")
    spec = spec_of(masters["a1"], "conv_forward.non_square")
    first, second = run_test(spec, namespace), run_test(spec, namespace)
    assert first.smallest == second.smallest and first.message == second.message


def test_only_parameters_are_revealed(masters):
    spec = spec_of(masters["a1"], "conv_forward.strides")
    result = run_test(spec, sample_namespace(masters["a1"], "stride_ignored"))
    assert set(result.smallest) == {"fails", "passes", "change"}
    assert set(result.smallest["fails"]) <= set(spec.cases[0].params) | {"bias"}
    for case in spec.cases:
        assert str(case.seed) not in result.message


def test_public_failures_and_passes_are_not_searched(masters, solutions_namespace):
    public = spec_of(masters["a1"], "conv_forward.worked_example")
    assert not public.hidden
    assert run_test(public, sample_namespace(masters["a1"], "stride_ignored")).smallest is None
    assert run_test(spec_of(masters["a1"], "conv_forward.strides"), solutions_namespace).smallest is None


def test_a_test_that_timed_out_is_not_searched(masters):
    namespace = sample_namespace(masters["a1"], "stride_ignored")

    class Endless:
        def __init__(self, *args):
            while True:
                pass

    namespace = {**namespace, "ConvLayer": Endless}
    spec = spec_of(masters["a1"], "conv_forward.strides")
    spec = dataclasses.replace(spec, settings={**spec.settings, "test_timeout_s": 0.5})
    result = run_test(spec, namespace)
    assert result.status == "timeout" and result.smallest is None


def test_code_not_written_yet_is_not_searched(masters):
    """It fails in every configuration: a search would only cost probes (a class's untouched notebooks)."""
    result = run_test(spec_of(masters["a1"], "conv_forward.strides"), sample_namespace(masters["a1"], "untouched"))
    assert result.status == "failed" and "not implemented yet" in result.message
    assert result.smallest is None and "Smallest failing" not in result.message


def test_simplifications_are_one_step_valid_and_ordered():
    params = {"input_shape": [2, 5, 6], "filter_number": 2, "filter_shape": [3, 2], "stride": 2,
              "zero_padding": 1, "activator": "ReluActivator"}
    found = simplifications("conv_forward", params)
    changes = [s.change for s in found]
    assert changes[:5] == ["stride 1", "no zero padding", "one channel", "one filter", "activator IdentityActivator"]
    for simpler in (s.params for s in found):
        assert sum(simpler.get(k) != params.get(k) for k in set(simpler) | set(params)) == 1
        _, h, w = simpler["input_shape"]
        fh, fw = simpler["filter_shape"]
        p = simpler["zero_padding"]
        assert h + 2 * p >= fh and w + 2 * p >= fw
    assert simplifications("conv_forward", params) == found


def test_checks_without_a_lattice_have_no_simplifications():
    assert simplifications("answer", {"quantity": "output_shape"}) == []
    assert simplifications("conv_forward", {"nonsense": 1}) == []
    assert simplifications("activator", {"activator": "ReluActivator", "method": "forward", "scalar": "float"}) == []


def test_the_sandbox_engine_explains_hidden_failures_after_every_test_ran(masters, course, tmp_path):
    """Graded by the sandbox: the same smallest configuration, and the same scores as without the search."""
    from autograder.grading.submissions import Submission
    from autograder.release.pipelines import all_tests, load_release
    from autograder.sandbox.engine import SandboxEngine

    master = masters["a1"]
    sample = next(s for s in sample_defs.load_samples("a1") if s.name == "stride_ignored")
    path = tmp_path / "stride_ignored.ipynb"
    path.write_text(sample_defs.notebook(sample, master, load_release("a1", master.assignment.notebook)))
    tests = [t for t in all_tests(master) if t.question == "conv_forward"]
    quiet = [dataclasses.replace(t, settings={**t.settings, "search_max_probes": 0}) for t in tests]
    graded = {}
    for name, specs in (("explained", tests), ("quiet", quiet)):
        engine = SandboxEngine(specs, course.grading.for_tests(), hide=[tmp_path])
        try:
            graded[name] = {t.id: t for t in engine.grade(Submission.from_path(path)).tests}
        finally:
            engine.close()
    explained, quiet = graded["explained"], graded["quiet"]
    assert {k: t.score for k, t in explained.items()} == {k: t.score for k, t in quiet.items()}
    strides = explained["conv_forward.strides"]
    assert strides.smallest["change"] == "stride 1" and "it passes with stride 1." in strides.message
    assert quiet["conv_forward.strides"].smallest is None
    assert all(t.smallest is None for t in explained.values() if not t.hidden or t.passed)


def test_a_search_out_of_time_says_nothing_and_costs_nothing(masters):
    spec = spec_of(masters["a1"], "conv_forward.strides")
    starved = dataclasses.replace(spec, settings={**spec.settings, "search_timeout_s": 1e-9})
    namespace = sample_namespace(masters["a1"], "stride_ignored")
    result, full = run_test(starved, namespace), run_test(spec, namespace)
    assert result.smallest is None and "Smallest" not in result.message
    assert result.score == full.score == 0 and result.status == full.status == "failed"


def test_a_probe_that_times_out_ends_the_search_quietly(masters):
    """Code that fails fast on the hidden case but loops forever on a simpler one: no exception, no explanation."""
    namespace = dict(sample_namespace(masters["a1"], "stride_ignored"))
    wrong = namespace["ConvLayer"]

    class LoopsAtStrideOne(wrong):
        def forward(self, input_array):
            while self.stride == 1:
                pass
            return super().forward(input_array)

    namespace["ConvLayer"] = LoopsAtStrideOne
    spec = spec_of(masters["a1"], "conv_forward.strides")
    spec = dataclasses.replace(spec, cases=spec.cases[:1], settings={**spec.settings, "search_timeout_s": 1})
    result = run_test(spec, namespace)
    assert result.status == "failed" and result.smallest is None
