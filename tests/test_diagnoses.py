"""Each wrong diagnosis of issue 10 fixed on a minimal example, and the seed's API accepted (results stored,
nothing returned), one unit per test (reference activators), attribute contracts named."""

import dataclasses

import numpy as np

from autograder import drivers
from autograder.cases import CaseSpec, TestSpec
from autograder.checks import driver_setup, get_check
from autograder.checks.base import Tolerance, compare_array, result_of, stored_too
from autograder.mistakes import MISTAKES
from autograder.runner import run_test
from autograder.student import Returned, StudentError

TOL = Tolerance(rtol=1e-6, atol=1e-9)
SETTINGS = {"rtol": 1e-6, "atol": 1e-9}


def spec(check, params, seed=1, hidden=False) -> TestSpec:
    return TestSpec(assignment="a1", question="q", name="t", check=check, points=1.0, hidden=hidden,
                    description="", cases=(CaseSpec(id="c", seed=seed, params=params),), settings=SETTINGS)


CONV = {"input_shape": [2, 5, 6], "filter_number": 2, "filter_shape": [2, 3], "stride": 2, "zero_padding": 1,
        "activator": "IdentityActivator"}


def subclass(namespace, name, **methods):
    ns = dict(namespace)
    ns[name] = type(name, (namespace[name],), methods)
    return ns


def returned(array, dtype=None) -> Returned:
    array = np.asarray(array)
    return Returned(array=array.astype(np.float64), dtype=str(dtype or array.dtype), kind="array")


# --- naming only what matches -------------------------------------------------------------------------------

def test_two_mistakes_with_the_same_output_name_neither():
    expected, wrong = np.zeros((2, 2)), np.ones((2, 2))
    verdict = compare_array("x", returned(wrong), expected, TOL, {"kernel_flipped": wrong, "bias_missing": wrong})
    assert verdict.mistake is None and "kernel flipped" in verdict.message and "bias missing" in verdict.message
    assert MISTAKES["kernel_flipped"] not in verdict.message


def test_a_shape_alone_names_no_mistake():
    alternative = np.arange(6.0).reshape(1, 2, 3)
    verdict = compare_array("x", returned(np.full((1, 2, 3), 7.0)), np.zeros((1, 3, 3)), TOL,
                            {"stride_ignored": alternative})
    assert not verdict.passed and verdict.mistake is None


def test_an_error_names_no_mistake_by_elimination():
    verdict = get_check("conv_forward").explain(CONV, "ConvLayer.forward raised ValueError: operands could not be "
                                                      "broadcast together with shapes (2,2,2) (2,2,3)")
    assert not verdict.passed and verdict.mistake is None and "could not be broadcast" in verdict.message


def test_integer_output_is_named_only_when_the_values_are_the_truncated_ones():
    expected = np.array([[1.7, -2.5], [0.4, 3.9]])
    truncated = compare_array("x", returned(np.trunc(expected).astype(int)), expected, TOL)
    other = compare_array("x", returned(np.array([[5, 5], [5, 5]])), expected, TOL)
    assert truncated.mistake == "integer_output" and other.mistake is None


def test_bias_grad_left_at_its_initial_int_zero_is_named_as_not_computed(solutions_namespace):
    def bp_gradient(self, sensitivity_array):
        type(self).__mro__[1].bp_gradient(self, sensitivity_array)
        for f in self.filters:
            f.bias_grad = 0

    ns = subclass(solutions_namespace, "ConvLayer", bp_gradient=bp_gradient)
    params = {**CONV, "method": "bp_gradient", "previous_activator": "IdentityActivator"}
    result = run_test(spec("conv_backward", params), ns)
    assert result.mistake == "bias_grad_not_computed"
    assert "bias_grad was not computed (it still holds its initial value)" in result.message
    assert MISTAKES["integer_output"] not in result.message


def test_an_answer_equal_in_value_is_right_but_a_size_method_must_return_an_int():
    check = get_check("answer")
    params = {"name": "parameter_count", "quantity": "parameter_count",
              "layer": {"input_shape": [3, 32, 32], "filter_number": 16, "filter_shape": [5, 5],
                        "zero_padding": 0, "stride": 1}}
    refs = {"value": 1216, "alternatives": {"parameters_without_bias": 1200}}
    assert check.judge(params, {}, {"value": 1216.0}, refs, TOL).passed
    assert check.judge(params, {}, {"value": np.float64(1216)}, refs, TOL).passed
    assert not check.judge(params, {}, {"value": 1216.5}, refs, TOL).passed
    size = get_check("output_size").judge({"input_size": 5, "filter_size": 3, "zero_padding": 1, "stride": 2}, {},
                                          {"size": 3.0}, {"size": 3, "alternatives": {}}, TOL)
    assert size.mistake == "float_size"


# --- the seed's API: stored, not returned ------------------------------------------------------------------

def test_a_stored_result_is_judged_when_nothing_is_returned():
    value = result_of({"returned": None, "output_array": np.ones(3)}, "returned", "output_array", "L.forward", "L")
    assert np.array_equal(value.array, np.ones(3))


def test_neither_returned_nor_stored_says_both_ways():
    for outputs in ({"returned": None, "output_array": None},
                    {"returned": None, "output_array": np.zeros(3), "output_array_before": np.zeros(3)}):
        try:
            result_of(outputs, "returned", "output_array", "L.forward", "L")
        except StudentError as exc:
            assert "store the result in self.output_array or return it" in str(exc)
        else:
            raise AssertionError("expected a StudentError")


def test_only_returned_is_accepted_and_both_must_agree():
    right = returned(np.ones(3))
    assert stored_too({"output_array": None}, "output_array", right, "L.forward", "L").passed
    assert stored_too({"output_array": np.zeros(3), "output_array_before": np.zeros(3)}, "output_array", right,
                      "L.forward", "L").passed
    disagree = stored_too({"output_array": np.full(3, 2.0)}, "output_array", right, "L.forward", "L")
    assert not disagree.passed and "self.output_array holds something else" in disagree.message


def test_a_forward_that_only_stores_gets_full_marks(solutions_namespace):
    reference = solutions_namespace["ConvLayer"].forward

    def forward(self, x):
        reference(self, x)

    assert run_test(spec("conv_forward", CONV), subclass(solutions_namespace, "ConvLayer", forward=forward)).passed


# --- documented attributes ----------------------------------------------------------------------------------

def test_output_width_computed_wrongly_in_init_is_caught_even_when_forward_ignores_it(solutions_namespace):
    def __init__(self, *args):
        type(self).__mro__[1].__init__(self, *args)
        self.output_width += 1

    result = run_test(spec("conv_forward", CONV), subclass(solutions_namespace, "ConvLayer", __init__=__init__))
    assert not result.passed and "ConvLayer.output_width" in result.message


def test_initial_output_array_of_the_wrong_shape_is_caught(solutions_namespace):
    def __init__(self, *args):
        type(self).__mro__[1].__init__(self, *args)
        self.output_array = np.zeros((1, 1, 1))

    result = run_test(spec("conv_forward", CONV), subclass(solutions_namespace, "ConvLayer", __init__=__init__))
    assert not result.passed and "output_array has shape (1, 1, 1) after __init__" in result.message


def test_a_filter_without_the_documented_attributes_is_told_which_ones(solutions_namespace):
    def __init__(self, width, height, depth):
        self.w = np.zeros((depth, height, width))
        self.b = 0

    ns = dict(solutions_namespace)
    ns["Filter"] = type("Filter", (), {"__init__": __init__})
    result = run_test(spec("filter_init", {"width": 3, "height": 2, "depth": 1}), ns)
    assert "Filter has no attribute `weights`: the tests read `weights`, `bias`" in result.message
    assert result.mistake is None


# --- one unit per test --------------------------------------------------------------------------------------

def test_driver_setup_sends_the_reference_only_when_a_case_asks():
    plain = spec("conv_forward", CONV)
    asking = spec("conv_forward", {**CONV, "activator_source": "reference"}, hidden=True)
    assert driver_setup([plain]) == {}
    assert "class ReluActivator" in driver_setup([asking])["reference_code"]
    with drivers._reference_units(asking.settings | {"driver_setup": driver_setup([asking])}):
        assert set(drivers._REFERENCE) >= {"ReluActivator", "IdentityActivator"}
    assert drivers._REFERENCE == {}


def test_student_code_judged_by_another_test_cannot_reach_the_reference_units(solutions_namespace):
    """A ReluActivator that borrows the course's own (sys.modules) finds nothing outside the tests that carry it."""
    code = ("import sys\n"
            "class ReluActivator:\n"
            "    def forward(self, x):\n"
            "        return sys.modules['autograder.drivers']._REFERENCE['ReluActivator']().forward(x)\n"
            "    def backward(self, y):\n"
            "        return sys.modules['autograder.drivers']._REFERENCE['ReluActivator']().backward(y)\n")
    ns = dict(solutions_namespace)
    exec(code, ns)
    asking = spec("conv_forward", {**CONV, "activator_source": "reference"}, hidden=True)
    asking = dataclasses.replace(asking, settings={**asking.settings, "driver_setup": driver_setup([asking])})
    assert run_test(asking, ns).passed  # the layer test gets the reference units
    relu = spec("activator", {"activator": "ReluActivator", "method": "forward", "shape": [2, 3]}, hidden=True)
    assert not run_test(relu, ns).passed  # ...which are gone when the student's activator is judged


def test_a_broken_activator_fails_only_its_own_question_in_hidden_tests(solutions_namespace):
    ns = subclass(solutions_namespace, "ReluActivator", forward=lambda self, x: np.abs(x))
    relu = {**CONV, "activator": "ReluActivator"}
    assert run_test(spec("conv_forward", {**relu, "activator_source": "reference"}, hidden=True), ns).passed
    public = run_test(spec("conv_forward", relu), ns)
    assert not public.passed and public.mistake is None
    assert "your ReluActivator.forward is wrong (see question activators)" in public.message


def test_hidden_tests_carry_the_reference_activators_for_in_kernel_engines(masters):
    """otter and nbgrader run hidden tests where solutions/ is absent: the master puts the code in the test."""
    hidden = [t for q in masters["a1"].questions.values() for t in q.tests if t.hidden and t.check == "conv_forward"]
    public = [t for q in masters["a1"].questions.values() for t in q.tests if not t.hidden]
    assert hidden and all("class ReluActivator" in t.settings["driver_setup"]["reference_code"] for t in hidden)
    assert all("driver_setup" not in t.settings for t in public)
    assert driver_setup([hidden[0].to_dict()]) == hidden[0].settings["driver_setup"]


def test_a_result_only_returned_passes_its_own_test_and_the_method_that_reads_it_names_the_attribute(
        solutions_namespace):
    reference = solutions_namespace["ConvLayer"].bp_sensitivity_map

    def bp_sensitivity_map(self, sensitivity_array, activator):
        delta = reference(self, sensitivity_array, activator)
        del self.delta_array
        return delta

    ns = subclass(solutions_namespace, "ConvLayer", bp_sensitivity_map=bp_sensitivity_map)
    params = {**CONV, "previous_activator": "IdentityActivator"}
    assert run_test(spec("conv_backward", {**params, "method": "bp_sensitivity_map"}), ns).passed
    backward = run_test(spec("conv_backward", {**params, "method": "backward"}), ns)
    assert not backward.passed and "did not set self.delta_array" in backward.message


def test_a_wrong_previous_activator_is_blamed_not_the_backward_pass(solutions_namespace):
    """ReLU's derivative returning ones makes delta_array what 'activator derivative missing' gives: the layer
    is right, so no layer mistake may be named; the public test says the cause is the activator."""
    ns = subclass(solutions_namespace, "ReluActivator", backward=lambda self, output: np.ones(np.shape(output)))
    params = {**CONV, "method": "bp_sensitivity_map", "previous_activator": "ReluActivator"}
    public = run_test(spec("conv_backward", params), ns)
    assert not public.passed and public.mistake is None
    assert "your ReluActivator.backward is wrong (see question activators)" in public.message
    assert run_test(spec("conv_backward", {**params, "activator_source": "reference"}, hidden=True), ns).passed


def test_tests_that_hand_out_the_reference_units_run_after_every_activator_test(masters):
    """A layer given the course's activators could keep them for a later activator test: no master allows that."""
    for master in masters.values():
        order = [spec for question in master.questions.values() for spec in question.tests]
        carriers = [i for i, spec in enumerate(order) if driver_setup([spec])]
        activators = [i for i, spec in enumerate(order) if spec.check == "activator"]
        assert not carriers or not activators or max(activators) < min(carriers), master.assignment.id


def test_a_hidden_test_shows_the_kind_of_an_error_never_its_text():
    """Text the sandboxed child wrote may hold whatever a hidden test handed the student's code (inputs, the course's
    reference units): a hidden test keeps only the error's kind; a public test shows the message."""
    from autograder.runner import hidden_error_text
    from autograder.student import ChildError

    class Child:
        def run(self, driver, inputs, params, settings, timeout):
            raise ChildError("your code raised ValueError: SECRET class ReluActivator: np.maximum(x, 0)")

    hidden = run_test(spec("conv_forward", CONV, hidden=True), executor=Child(), explain_failure=False)
    assert not hidden.passed and "raised ValueError" in hidden.message
    assert "SECRET" not in hidden.message and "np.maximum" not in hidden.message
    public = run_test(spec("conv_forward", CONV), executor=Child(), explain_failure=False)
    assert "SECRET" in public.message
    assert "not implemented" in hidden_error_text("ConvLayer.forward is not implemented yet (it raises ...)")
    assert "sys.exit" in hidden_error_text("your code called sys.exit(2) while being graded")
