"""Finite differences taken by the grader at points it chooses, where the student's forward must itself be right
(issues 12 and 18), and the backpropagation and pooling mistakes named only by an exact match (issue 10)."""

import ast
from pathlib import Path

import numpy as np
import pytest

from autograder import drivers
from autograder import samples as sample_defs
from autograder.cases import CaseSpec, TestSpec
from autograder.checks import get_check
from autograder.checks.base import Tolerance
from autograder.finite_differences import central_differences
from autograder.mistakes import MISTAKES, short_name
from autograder.runner import default_references, run_test

from .conftest import library_results

TOL = Tolerance(rtol=1e-6, atol=1e-9)
SETTINGS = {"rtol": 1e-6, "atol": 1e-9, "fd_tolerance": 1e-6}
GRADCHECK = {"mode": "full", "input_shape": [1, 4, 4], "filter_number": 1, "filter_shape": [2, 2], "stride": 1,
             "zero_padding": 0, "activator": "IdentityActivator"}


def spec(check, params, seed=7, assignment="a2") -> TestSpec:
    return TestSpec(assignment=assignment, question="q", name="t", check=check, points=1.0, hidden=True,
                    description="", cases=(CaseSpec(id="c", seed=seed, params=params),), settings=SETTINGS)


def sample(masters, assignment, name):
    found = next(s for s in sample_defs.load_samples(assignment) if s.name == name)
    return sample_defs.namespace(found, masters[assignment])


def judged(check_name, params, outputs, seed=7):
    """The verdict of a check on outputs made by hand (no student code), with the case's inputs and references."""
    check, case = get_check(check_name), CaseSpec(id="c", seed=seed, params=params)
    inputs = check.inputs(case)
    refs, _ = default_references("cpu").get(check, case, inputs)
    return check.judge(params, inputs, outputs(inputs, refs), refs, TOL)


# --- the child takes no differences ---------------------------------------------------------------------------

def test_the_drivers_neither_import_nor_compute_finite_differences():
    for module in Path(drivers.__file__).parent.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any("finite_differences" in (m or "") for m in imported), module.name
        assert "central_differences" not in module.read_text(encoding="utf-8"), module.name


def test_finite_differences_are_taken_in_one_module_of_the_checks():
    """Grader side, the differences of a student's forward are taken in checks/gradient_checking.py only."""
    checks = Path(drivers.__file__).parent.parent / "checks"
    taking = sorted(p.name for p in checks.glob("*.py") if "central_differences(" in p.read_text(encoding="utf-8"))
    assert taking == ["gradient_checking.py"]


def test_the_gradcheck_driver_returns_the_forward_at_every_point_the_grader_sent(solutions_namespace):
    check, case = get_check("conv_gradcheck"), CaseSpec(id="c", seed=3, params=GRADCHECK)
    inputs = check.inputs(case)
    outputs = drivers.DRIVERS["conv_gradcheck"](solutions_namespace, inputs, GRADCHECK, SETTINGS)
    assert {"forward_input", "forward_weights", "forward_bias"} <= set(outputs) and "numerical" not in outputs
    assert len(outputs["forward_input"]["returned"]) == 2 * 16 and len(outputs["forward_weights"]["returned"]) == 2 * 4
    first = inputs["points_input"][0]
    assert np.allclose(first, inputs["input_array"] + inputs["fd_step"] * inputs["directions_input"][0])


# --- no forward can fool a finite difference ---------------------------------------------------------------------

def test_a_lying_forward_earns_nothing_for_the_gradient_check(masters):
    namespace = sample(masters, "a2", "lying_forward")
    for question_spec in masters["a2"].questions["gradient_check"].tests:
        result = run_test(question_spec, namespace)
        assert not result.passed and result.score == 0
        assert "a point the gradient check used" in result.message or "changes differently" in result.message


def test_the_lying_forward_would_fool_differences_that_trusted_it(masters):
    """The trick is real: the central differences of the lying forward's own outputs agree with its doubled
    backward, so only checking every output against torch at its point stops it."""
    namespace = sample(masters, "a2", "lying_forward")
    check, case = get_check("conv_gradcheck"), CaseSpec(id="c", seed=3, params={**GRADCHECK, "targets": ["input"]})
    inputs = check.inputs(case)
    outputs = drivers.DRIVERS["conv_gradcheck"](namespace, inputs, case.params, SETTINGS)
    losses = [np.sum(np.asarray(o) * inputs["sensitivity_array"]) for o in outputs["forward_input"]["returned"]]
    numerical = np.tensordot(central_differences(losses, inputs["fd_step"]), inputs["directions_input"], axes=1)
    refs, _ = default_references("cpu").get(check, case, inputs)
    assert np.allclose(numerical, outputs["delta_array"], rtol=1e-4, atol=1e-8)
    assert np.allclose(outputs["delta_array"], 2 * refs["input"])
    verdict = check.judge(case.params, inputs, outputs, refs, TOL)
    assert not verdict.passed and "a point the gradient check used" in verdict.message


def test_a_forward_bent_within_tolerance_still_fails_on_its_differences():
    """Outputs each within rtol of torch, but bent so that their differences are twice torch's: refused."""
    def outputs(inputs, refs):
        base = np.sum(refs["forward_input"], axis=0) / len(refs["forward_input"])  # ~ the output at x
        bent = [base + 2 * (f - base) for f in refs["forward_input"]]
        return {"delta_array": 2 * refs["input"], "forward_input": {"returned": bent, "output_array": [None] * len(bent)}}

    loose = Tolerance(rtol=1e-3, atol=1e-9)  # loose enough that every bent output passes on its own
    check, params = get_check("conv_gradcheck"), {**GRADCHECK, "targets": ["input"]}
    case = CaseSpec(id="c", seed=5, params=params)
    inputs = check.inputs(case)
    refs, _ = default_references("cpu").get(check, case, inputs)
    verdict = check.judge(params, inputs, outputs(inputs, refs), refs, loose)
    assert not verdict.passed and "changes differently from torch" in verdict.message


def test_the_lying_mean_pooling_forward_earns_nothing_for_its_finite_differences(masters):
    namespace = sample(masters, "a3", "lying_mean_forward")
    test = next(t for t in masters["a3"].questions["pooling_properties"].tests if t.name == "mean_finite_differences")
    result = run_test(test, namespace)
    assert not result.passed and "a point the gradient check used" in result.message


def test_a_layer_that_does_nothing_scores_zero_in_every_question_of_a2(masters):
    results = library_results(masters["a2"], sample(masters, "a2", "do_nothing"))
    assert {t: r["score"] for t, r in results.items() if r["score"]} == {}


def test_a_correct_layer_passes_the_gradient_check(solutions_namespace):
    for mode in ("full", "directional"):
        params = {**GRADCHECK, "mode": mode, "input_shape": [2, 5, 6], "filter_number": 2, "filter_shape": [3, 2],
                  "stride": 2, "zero_padding": 1}
        assert run_test(spec("conv_gradcheck", params), solutions_namespace).passed, mode


# --- backpropagation: named only by an exact match ---------------------------------------------------------------

BACKWARD = {"method": "bp_sensitivity_map", "input_shape": [2, 5, 6], "filter_number": 2, "filter_shape": [2, 3],
            "stride": 1, "zero_padding": 0, "activator": "IdentityActivator", "previous_activator": "IdentityActivator"}


def test_full_padding_from_the_width_is_named_at_stride_1_and_never_called_unexpanded():
    def outputs(inputs, refs):
        variants = refs["delta_alternatives"]["full_padding_swapped"]
        return {"returned_delta": next(v for v in variants if v is not None), "delta_array": None}

    verdict = judged("conv_backward", BACKWARD, outputs)
    assert verdict.mistake == "full_padding_swapped"
    strided = judged("conv_backward", {**BACKWARD, "stride": 2}, outputs)
    assert strided.mistake == "full_padding_swapped" and MISTAKES["sensitivity_not_expanded"] not in strided.message


def test_when_two_backprop_mistakes_give_the_same_output_neither_is_named_alone():
    """With padding 1 and a 2x3 filter, padding the full convolution's rows by the width shifts the rows by one:
    exactly what cropping the padding one row too high gives."""
    params = {**BACKWARD, "zero_padding": 1}

    def outputs(inputs, refs):
        variants = refs["delta_alternatives"]["full_padding_swapped"]
        return {"returned_delta": next(v for v in variants if v is not None), "delta_array": None}

    verdict = judged("conv_backward", params, outputs)
    assert not verdict.passed and verdict.mistake is None
    assert short_name("full_padding_swapped") in verdict.message
    assert short_name("padding_cropped_wrong_offset") in verdict.message


def test_a_broadcasting_error_in_backpropagation_names_no_mistake():
    error = "ConvLayer.bp_sensitivity_map raised ValueError: operands could not be broadcast together with shapes (3,7,7) (3,5,5)"
    for stride in (1, 2):
        verdict = get_check("conv_backward").explain({**BACKWARD, "stride": stride, "zero_padding": 1}, error)
        assert not verdict.passed and verdict.mistake is None


def test_an_unrelated_wrong_delta_names_nothing():
    verdict = judged("conv_backward", {**BACKWARD, "stride": 2, "zero_padding": 1},
                     lambda inputs, refs: {"returned_delta": refs["delta"] + 0.5, "delta_array": None})
    assert not verdict.passed and verdict.mistake is None


# --- pooling: the mistakes' own outputs, computed with torch -------------------------------------------------------

MAX = {"kind": "max", "input_shape": [2, 6, 7], "filter_shape": [3, 2], "stride": 1}


@pytest.mark.parametrize("mistake, params", [
    ("max_ties_all", {**MAX, "ties": True}),
    ("max_tie_last", {**MAX, "ties": True}),
    ("gradient_assigned", MAX),
    ("max_wrong_position", {**MAX, "input_shape": [1, 7, 7], "stride": 2}),
    ("gradient_assigned", {**MAX, "kind": "mean"}),
    ("mean_copied", {**MAX, "kind": "mean"}),
])
def test_each_pooling_mistake_is_named_on_its_own_output(mistake, params):
    def outputs(inputs, refs):
        alternative = refs["alternatives"][mistake]
        value = alternative[0] if isinstance(alternative, list) else alternative
        return {"returned": value, "delta_array": None}

    assert judged("pool_backward", params, outputs, seed=11).mistake == mistake


def test_a_max_gradient_that_keeps_the_total_but_is_routed_elsewhere_is_not_named():
    """The old heuristic named max_wrong_position whenever the total was preserved."""
    def outputs(inputs, refs):
        shuffled = np.roll(refs["expected"], 1, axis=2)  # same total, positions that no mistake produces
        return {"returned": shuffled, "delta_array": None}

    verdict = judged("pool_backward", MAX, outputs, seed=11)
    assert not verdict.passed and verdict.mistake is None


def test_the_right_gradient_is_never_named(solutions_namespace):
    for params in (MAX, {**MAX, "ties": True}, {**MAX, "kind": "mean"}, {**MAX, "property": "sum"}):
        assert run_test(spec("pool_backward", params, assignment="a3"), solutions_namespace).passed


def test_a_forward_that_returns_nested_lists_passes_the_gradient_check_through_the_wire(solutions_namespace):
    """Outputs cross as plain values (wire.plain keeps 6 levels): a 3-d list per point must still arrive."""
    from autograder.runner import InProcessExecutor

    forward = solutions_namespace["ConvLayer"].forward
    namespace = dict(solutions_namespace)
    namespace["ConvLayer"] = type("ConvLayer", (solutions_namespace["ConvLayer"],),
                                  {"forward": lambda self, x: np.asarray(forward(self, x)).tolist()})
    result = run_test(spec("conv_gradcheck", GRADCHECK), executor=InProcessExecutor(namespace))
    assert result.passed, result.message


def test_the_step_of_the_finite_differences_comes_from_course_yml(course):
    """grading.fd_step in course.yml reaches every gradient-check case (a case may still set its own)."""
    from autograder.master import load_master

    changed = course.model_copy(update={"grading": course.grading.model_copy(update={"fd_step": 1e-4})})
    for assignment in ("a2", "a3"):
        steps = {case.params["fd_step"] for question in load_master(changed, assignment).questions.values()
                 for spec in question.tests if get_check(spec.check).uses_fd_step for case in spec.cases}
        assert steps == {1e-4}, assignment
