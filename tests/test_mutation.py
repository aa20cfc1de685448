"""Mutation analysis: the AST mutator's operators, the equivalence probe, a few mutants graded by the sandbox, and
(integration) the kill rate course.yml requires on a fixed-seed sample of at least 100 mutants per assignment."""

import ast

import pytest

from autograder.mutation.analysis import (all_mutants, analysis_for, documented_attributes, mutable_cells, namespace,
                                          report_path, sample, solution_cells, unit_names)
from autograder.mutation.mutator import Mutator, swapped_identifier
from autograder.mutation.probe import Configurations, Probe

from .conftest import ASSIGNMENTS

SNIPPET = '''\
def f(a, b, filter_width):
    """Docstring."""
    c = a[:, ::2] * (b - 1)
    c -= a // 3
    if c > 0:
        return self.out_width, (fh, fw)
    return c
'''


def mutants_of(source, operator, regions=((1, 99),)):
    found = [m for m in Mutator(source, list(regions)).mutations() if m.operator == operator]
    return [(m.description, m.apply(source).splitlines()[m.line - 1].strip()) for m in found]


def test_operators_are_swapped():
    assert ("`*` -> `/`", "c = a[:, ::2] / (b - 1)") in mutants_of(SNIPPET, "binary")
    assert ("`-` -> `+`", "c = a[:, ::2] * (b + 1)") in mutants_of(SNIPPET, "binary")
    assert ("`//` -> `/`", "c -= a / 3") in mutants_of(SNIPPET, "binary")
    assert mutants_of(SNIPPET, "compare") == [("`>` -> `>=`", "if c >= 0:")]


def test_integers_are_off_by_one():
    found = mutants_of(SNIPPET, "integer")
    assert ("`2` -> `3`", "c = a[:, ::3] * (b - 1)") in found and ("`2` -> `1`", "c = a[:, ::1] * (b - 1)") in found
    assert ("`0` -> `1`", "if c > 1:") in found
    assert not any("-> `-1`" in description for description, _ in found)


def test_height_and_width_are_swapped():
    found = mutants_of(SNIPPET, "height_width")
    assert ("`.out_width` -> `.out_height`", "return self.out_height, (fh, fw)") in found
    assert ("`fh, fw` -> `fw, fh`", "return self.out_width, (fw, fh)") in found
    assert ("`fh` -> `fw`", "return self.out_width, (fw, fw)") in found
    assert swapped_identifier("input_height") == "input_width" and swapped_identifier("stride") is None


def test_slice_steps_are_dropped():
    assert mutants_of(SNIPPET, "slice_step") == [("step `2` dropped", "c = a[:, :] * (b - 1)")]


def test_augmented_assignments_are_changed():
    assert mutants_of(SNIPPET, "augmented") == [("`-=` -> `+=`", "c += a // 3"), ("`-=` -> `=`", "c = a // 3")]
    assert [d for d, _ in mutants_of("x = 1\nx += 2\n", "augmented")] == ["`+=` -> `-=`", "`+=` -> `=`"]


def test_statements_are_dropped_but_never_docstrings():
    found = mutants_of(SNIPPET, "statement")
    assert ("`c -= a // 3` dropped", "pass") in found and ("`return c` dropped", "pass") in found
    assert not any("Docstring" in d for d, _ in found)


def test_only_the_given_regions_are_mutated_and_every_mutant_parses():
    mutations = Mutator(SNIPPET, [(4, 4)]).mutations()
    assert mutations and all(m.line == 4 for m in mutations)
    for m in Mutator(SNIPPET, [(1, 99)]).mutations():
        ast.parse(m.apply(SNIPPET))


def test_mutants_and_the_sample_are_deterministic(masters):
    first, second = all_mutants(masters["a3"]), all_mutants(masters["a3"])
    assert [m.diff for m in first] == [m.diff for m in second]
    assert [m.number for m in sample(first, 20, 0)] == [m.number for m in sample(second, 20, 0)]
    assert [m.number for m in sample(first, 20, 0)] != [m.number for m in sample(first, 20, 1)]


def test_code_carried_from_an_earlier_assignment_is_not_mutated(masters):
    cells = {c.cell_id: c for c in mutable_cells(masters["a2"])}
    assert "implement-Filter" not in cells  # carried whole from a1
    conv = cells["implement-ConvLayer"]
    tree = ast.parse(conv.source)
    methods = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    for name in ("__init__", "calculate_output_size", "forward"):
        assert not any(start <= methods[name].lineno <= end for start, end in conv.regions), name
    assert any(start <= methods["bp_gradient"].end_lineno <= end for start, end in conv.regions)


def probe_for(master):
    cells = solution_cells(master)
    return Probe(namespace(master, cells), Configurations(0, 4).for_units(unit_names(master)),
                 documented_attributes(cells))


def mutated_namespace(master, cell_id, old, new):
    cells = solution_cells(master)
    assert cells[cell_id].count(old) == 1
    return namespace(master, {**cells, cell_id: cells[cell_id].replace(old, new)})


def test_the_probe_sees_a_documented_attribute_and_ignores_an_equivalent_change(masters):
    master = masters["a1"]
    probe = probe_for(master)
    assert probe.difference(namespace(master, solution_cells(master))) is None
    wrong = mutated_namespace(master, "implement-ConvLayer",
                              "self.output_width = self.calculate_output_size(input_width, filter_width, zero_padding, stride)",
                              "self.output_width = self.calculate_output_size(input_width, filter_width, zero_padding, stride) + 1")
    assert probe.difference(wrong).label == "output_width after __init__"
    same = mutated_namespace(masters["a3"], "implement-MeanPoolingLayer", "windows.mean(axis=(3, 4))",
                             "windows.mean(axis=(4, 3))")
    assert probe_for(masters["a3"]).difference(same) is None


def test_the_probe_compares_only_attributes_the_docstrings_name(masters):
    documented = documented_attributes(solution_cells(masters["a1"]))
    assert {"output_width", "output_height", "output_array", "filters", "weights"} <= documented["init"]
    assert {"input_array", "padded_input_array"} <= documented["any"] - documented["init"]
    a3 = documented_attributes(solution_cells(masters["a3"]))
    assert a3["any"] == {"output_array", "delta_array"} and not a3["init"]
    undocumented = mutated_namespace(masters["a3"], "implement-MeanPoolingLayer",
                                     "self.output_width = (input_width - filter_width) // stride + 1",
                                     "self.output_width = (input_width - filter_width) // stride")
    assert probe_for(masters["a3"]).difference(undocumented) is None


def test_a_result_kept_only_in_its_attribute_is_equivalent(masters):
    master = masters["a3"]
    stored_only = mutated_namespace(master, "implement-MaxPoolingLayer",
                                    "        self.output_array = windows.max(axis=(3, 4))\n        return self.output_array",
                                    "        self.output_array = windows.max(axis=(3, 4))")
    assert probe_for(master).difference(stored_only) is None


@pytest.mark.parametrize("cell, old, new, label", [
    ("implement-SoftmaxCrossEntropy", "self.delta_array[self.label, 0] -= 1.0",
     "self.delta_array[self.label, 0] += 1.0", "SoftmaxCrossEntropy.backward"),
    ("implement-Flatten", "np.reshape(sensitivity_array, self.input_shape)",
     "np.reshape(sensitivity_array, self.input_shape, order='F')", "Flatten.backward"),
    ("implement-FullyConnectedLayer", "self.W_grad = sensitivity_array @ self.input_array.T",
     "self.W_grad = sensitivity_array @ self.input_array.T * 2", "W_grad after bp_gradient"),
    ("implement-output_shapes-count_parameters", "total += layer[\"units\"] * (int(np.prod(shape)) + 1)",
     "total += layer[\"units\"] * int(np.prod(shape))", "stack 0: count_parameters"),
    ("implement-LeNet", "layer.learning_rate = learning_rate", "layer.learning_rate = layer.learning_rate", "train"),
    ("implement-LeNet", "MaxPoolingLayer(6, 6, 6, 2, 2, 2)", "MaxPoolingLayer(6, 6, 5, 2, 2, 2)",
     "LeNet(0.05, 0) builds layer 1"),
])
def test_the_probe_sees_what_a4_documents(masters, cell, old, new, label):
    """a4's units: the layers' results and documented attributes, the functions, LeNet's table of layers and train."""
    assert probe_for(masters["a4"]).difference(mutated_namespace(masters["a4"], cell, old, new)).label == label


@pytest.mark.parametrize("cell, old, new", [
    ("implement-LeNet", "np.sqrt(2.0 / 9)", "np.sqrt(2.0 / 10)"),  # He's scale: initial weights by form only
    ("implement-LeNet", "np.sqrt(2.0 / 64)", "np.sqrt(2.0 // 64)"),
    ("implement-FullyConnectedLayer", "        self.output_array = np.zeros((output_size, 1))\n", ""),
    ("implement-LeNet", "        return self.losses\n", "        pass\n"),  # kept in self.losses
])
def test_a4_changes_nothing_documents_are_equivalent(masters, cell, old, new):
    master = masters["a4"]
    probe = probe_for(master)
    assert probe.difference(namespace(master, solution_cells(master))) is None
    assert probe.difference(mutated_namespace(master, cell, old, new)) is None


def test_a_handful_of_mutants_graded_by_the_sandbox(course):
    analysis = analysis_for(course, "a1", count=3)
    by_description = {m.mutation.description: m for m in all_mutants(analysis.master)}
    chosen = [by_description["`13` -> `12`"], by_description["`self.learning_rate = learning_rate` dropped"]]
    report = analysis.grade(chosen)
    verdicts = {o.mutant.mutation.description: o.verdict for o in report.outcomes}
    assert verdicts == {"`13` -> `12`": "killed", "`self.learning_rate = learning_rate` dropped": "equivalent"}
    assert "output_shape.value" in report.outcomes[0].failed_tests
    assert report.kill_rate == 1.0 and "## Survivors (0)" in report.markdown()


@pytest.mark.integration
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_hidden_tests_kill_enough_mutants(course, assignment):
    """CI: a fixed-seed sample of at least 100 mutants per assignment, and the kill rate course.yml requires."""
    analysis = analysis_for(course, assignment)
    report = analysis.run()
    assert len(report.outcomes) >= min(100, report.candidates)
    assert report.passes, report.summary() + "\n" + "\n".join(
        f"mutant {o.mutant.number}: {o.difference.describe()}\n{o.mutant.diff}" for o in report.survivors)
    committed = report_path(analysis.master)
    assert committed.is_file(), f"{committed} is missing: run `course mutate {assignment}` and commit it"
    assert committed.read_text(encoding="utf-8") == report.markdown(), \
        f"{committed} is stale: run `course mutate {assignment}` and commit it"


def test_the_mutate_command_prints_the_kill_rate():
    from click.testing import CliRunner

    from autograder.cli import main

    result = CliRunner().invoke(main, ["mutate", "a2", "--mutants", "2", "--no-report"])
    assert result.exit_code == 0, result.output
    assert "a2: 2 of " in result.output and "kill rate" in result.output


@pytest.mark.parametrize("old, new, words", [
    ("Filter(filter_width, filter_height, channel_number)", "Filter(filter_width, filter_width, channel_number)",
     "the filters ConvLayer.__init__ creates have weights of shape"),
    ("        self.input_array = input_array\n", "", "has no attribute `input_array`"),
])
def test_documented_attributes_former_survivors_lose_points(masters, old, new, words):
    """Mutants that kept full marks until the conv test read the filters __init__ makes and what forward keeps."""
    from autograder.runner import run_test

    master = masters["a1"]
    cells = solution_cells(master)
    assert cells["implement-ConvLayer"].count(old) == 1
    ns = namespace(master, {**cells, "implement-ConvLayer": cells["implement-ConvLayer"].replace(old, new)})
    spec = next(t for t in master.questions["conv_forward"].tests if t.name == "non_square")
    result = run_test(spec, ns, explain_failure=False)
    assert not result.passed and words in result.message, result.message
