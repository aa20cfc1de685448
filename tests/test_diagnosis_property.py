"""The rule for naming mistakes, as a property: for every mistake the checks compute an alternative result for,
that mistake's own output, on random configurations where it differs from the correct output and from every
other mistake's, gets that name (at least 90% of such configurations, at least 20 of them per mistake); the
correct output never gets a name. Configurations are drawn by hypothesis with derandomize=True."""

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.checks import Tolerance, get_check
from autograder.numerics import allclose
from autograder.references import TorchReference

TOL = Tolerance(rtol=1e-6, atol=1e-9)
MIN_CONFIGURATIONS, MIN_RATE = 20, 0.9

geometry = st.fixed_dictionaries({
    "channels": st.integers(1, 2), "height": st.integers(3, 7), "width": st.integers(3, 7),
    "filter_height": st.integers(1, 3), "filter_width": st.integers(1, 3), "filters": st.integers(1, 2),
    "stride": st.integers(1, 3), "padding": st.integers(0, 2), "relu": st.booleans(), "bias": st.booleans(),
    "previous_relu": st.booleans(), "seed": st.integers(0, 2 ** 31 - 1)})


def conv_params(g, **extra) -> dict:
    return {"input_shape": [g["channels"], g["height"], g["width"]], "filter_number": g["filters"],
            "filter_shape": [g["filter_height"], g["filter_width"]], "stride": g["stride"],
            "zero_padding": g["padding"], "activator": "ReluActivator" if g["relu"] else "IdentityActivator",
            "bias": g["bias"], **extra}


def differs(a, b) -> bool:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a.shape != b.shape or not allclose(a, b, TOL.rtol, TOL.atol)


def variants(alternative) -> list:
    """A mistake's outputs: one array, or a list of the ways of making it (None where that way would raise)."""
    items = alternative if isinstance(alternative, list) else [alternative]
    return [item for item in items if item is not None]


def distinct(own, name, alternatives, expected) -> bool:
    """This output of a mistake differs from the correct one and from every other mistake's outputs."""
    return differs(own, expected) and all(differs(own, alt) for other, outputs in alternatives.items()
                                          if other != name for alt in variants(outputs))


class Tally:
    def __init__(self):
        self.named, self.total = defaultdict(int), defaultdict(int)

    def record(self, check, name, verdict):
        self.total[(check, name)] += 1
        self.named[(check, name)] += verdict.mistake == name

    def failures(self) -> list[str]:
        return [f"{check}/{name}: named in {self.named[(check, name)]} of {n} configurations"
                for (check, name), n in sorted(self.total.items())
                if n < MIN_CONFIGURATIONS or self.named[(check, name)] < MIN_RATE * n]


def judge_each(tally, check, params, inputs, refs, expected, alternatives, outputs_for):
    correct = check.judge(params, inputs, outputs_for(expected), refs, TOL)
    assert correct.passed and correct.mistake is None, (params, correct.message)
    for name, outputs in alternatives.items():
        for own in variants(outputs):
            if distinct(own, name, alternatives, expected):
                tally.record(check.name, name, check.judge(params, inputs, outputs_for(own), refs, TOL))


def conv_forward(tally, torch_ref, g):
    check, params = get_check("conv_forward"), conv_params(g)
    if g["height"] + 2 * g["padding"] < g["filter_height"] or g["width"] + 2 * g["padding"] < g["filter_width"]:
        return
    inputs = check.generate(params, np.random.default_rng(g["seed"]))
    refs = check.references(params, inputs, torch_ref)
    expected = refs["expected"]
    k, h, w = expected.shape
    initial = {"output_width": w, "output_height": h, "output_array": np.zeros(expected.shape)}
    judge_each(tally, check, params, inputs, refs, expected, refs["alternatives"],
               lambda out: {"returned": out, "output_array": out, "initial": initial,
                            "activator_probe": refs["activator_probe"]})


def activator(tally, torch_ref, g):
    check = get_check("activator")
    for name in ("ReluActivator", "IdentityActivator"):
        for method in ("forward", "backward"):
            params = {"activator": name, "method": method, "shape": [g["height"], g["width"]]}
            inputs = check.generate(params, np.random.default_rng(g["seed"]))
            refs = check.references(params, inputs, torch_ref)
            judge_each(tally, check, params, inputs, refs, refs["expected"], refs["alternatives"],
                       lambda out: {"result": out, "input_after": inputs["value"]})


def output_size(tally, torch_ref, g):
    check = get_check("output_size")
    params = {"input_size": g["width"] + 2, "filter_size": g["filter_width"], "zero_padding": g["padding"],
              "stride": g["stride"]}
    refs = check.references(params, {}, torch_ref)
    judge_each(tally, check, params, {}, refs, refs["size"], refs["alternatives"], lambda out: {"size": out})


def pooling(tally, torch_ref, g):
    for kind in ("max", "mean"):
        params = {"kind": kind, "input_shape": [g["channels"], g["height"] + 1, g["width"] + 1],
                  "filter_shape": [max(2, g["filter_height"]), max(2, g["filter_width"])], "stride": g["stride"],
                  "ties": kind == "max" and g["bias"]}
        for name, key in (("pool_forward", "output_array"), ("pool_backward", "delta_array")):
            check = get_check(name)
            inputs = check.generate(params, np.random.default_rng(g["seed"]))
            refs = check.references(params, inputs, torch_ref)
            judge_each(tally, check, params, inputs, refs, refs["expected"], refs["alternatives"],
                       lambda out, key=key: {"returned": out, key: out})


def conv_backward(tally, torch_ref, g):
    check = get_check("conv_backward")
    if g["height"] + 2 * g["padding"] < g["filter_height"] or g["width"] + 2 * g["padding"] < g["filter_width"]:
        return
    previous = "ReluActivator" if g["previous_relu"] else "IdentityActivator"
    params = conv_params(g, method="bp_sensitivity_map", previous_activator=previous)
    inputs = check.generate(params, np.random.default_rng(g["seed"]))
    refs = check.references(params, inputs, torch_ref)
    judge_each(tally, check, params, inputs, refs, refs["delta"], refs["delta_alternatives"],
               lambda out: {"returned_delta": out, "delta_array": out})
    params = {**params, "method": "bp_gradient"}
    bias_grad = [float(v) for v in refs["bias_grad"]]
    judge_each(tally, check, params, inputs, refs, refs["weights_grad"], refs["weights_alternatives"],
               lambda out: {"weights_grad": list(out), "bias_grad": bias_grad})


FAMILIES = {activator: 25, output_size: 90, conv_forward: 70, conv_backward: 80, pooling: 50}  # examples each


@pytest.mark.parametrize("family", FAMILIES, ids=[f.__name__ for f in FAMILIES])
def test_each_mistake_is_named_on_its_own_output_and_the_correct_output_never_is(family):
    torch_ref, tally = TorchReference("cpu"), Tally()

    @settings(derandomize=True, max_examples=FAMILIES[family], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(g=geometry)
    def run(g):
        family(tally, torch_ref, g)

    run()
    assert tally.total, "no configuration was judged"
    assert tally.failures() == []
