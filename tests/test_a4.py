"""Assignment 4 (fully connected layers, softmax cross-entropy, counting parameters, LeNet on digits): the parts the
sample submissions do not reach: the recorded digits split, the network's reference layers handed to a driver and
taken back, the training settings stated in the notebook, diagnoses named only when the output matches."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder import digits
from autograder.checks import get_check, needs_reference, reference_setup, reference_sources
from autograder.checks.base import Tolerance
from autograder.config import load_course
from autograder.drivers.network import LAYER_CLASSES, layers_for
from autograder.drivers.registry import _reference_units
from autograder.references import TorchReference

from .conftest import REPO_ROOT

TOL = Tolerance(rtol=1e-6, atol=1e-9)


def test_split_is_the_recorded_one_stratified_and_shipped():
    """The training indices are stored once (never re-split); 80/20 with every digit equally represented; the file
    students get holds exactly those digits, in that order."""
    train = np.array(digits.TRAIN_INDICES)
    images, labels = digits.training_part()
    held_images, held_labels = digits.held_out_part()
    assert len(set(train)) == len(train) == 1437 and len(held_labels) == 360
    assert np.all(np.abs(np.bincount(held_labels) - 36) <= 1)
    shipped = np.load(REPO_ROOT / "source" / "a4_digits_train.npz")
    assert np.array_equal(shipped["indices"], train)
    assert np.array_equal(shipped["pixels"] / 16.0, images[:, 0]) and np.array_equal(shipped["labels"], labels)


def test_network_tests_carry_every_reference_layer_and_the_driver_gives_them_back():
    """A case with layers_source: reference gets the course's layers for the length of the driver call only."""
    spec = {"cases": [{"id": "c", "params": {"layers_source": "reference"}}]}
    assert needs_reference([spec])
    setup = reference_setup(reference_sources([spec]))
    namespace = {"ConvLayer": "student's", "LeNet": "student's"}
    with _reference_units({"driver_setup": setup}):
        with layers_for(namespace, {"layers_source": "reference"}):
            assert all(isinstance(namespace[name], type) for name in LAYER_CLASSES)
            assert namespace["LeNet"] == "student's"
    assert namespace == {"ConvLayer": "student's", "LeNet": "student's"}


def test_activator_tests_still_carry_only_the_activators():
    spec = {"cases": [{"id": "c", "params": {"activator_source": "reference"}}]}
    code = reference_setup(reference_sources([spec]))["reference_code"]
    assert "class ReluActivator" in code and "class ConvLayer" not in code


def test_the_notebook_states_the_training_settings_of_course_yml():
    course = load_course()
    a4 = course.assignment("a4")
    text = (REPO_ROOT / a4.source).read_text(encoding="utf-8")
    stated = re.search(r"\*\*(\d+) epochs at learning rate ([0-9.]+)\*\*", text)
    assert stated and (int(stated.group(1)), float(stated.group(2))) == (a4.training.epochs,
                                                                         a4.training.learning_rate)


@pytest.fixture(scope="module")
def torch_ref():
    return TorchReference("cpu")


def softmax_case(scale):
    check = get_check("softmax_cross_entropy")
    params = {"method": "forward", "classes": 5, "scale": scale}
    inputs = check.generate(params, np.random.default_rng(3))
    inputs["logits"][1, 0] = 0.9 * scale  # exp of it overflows float64 when scale is 1000 (e**900), not when 3
    return check, params, inputs


@pytest.mark.parametrize("scale, named", [(1000, True), (3, False)])
def test_overflow_is_named_only_where_exp_without_the_maximum_overflows(torch_ref, scale, named):
    check, params, inputs = softmax_case(scale)
    refs = check.references(params, inputs, torch_ref)
    verdict = check.judge(params, inputs, {"returned": float("nan"), "loss": None,
                                           "probabilities": np.full((5, 1), np.nan)}, refs, TOL)
    assert not verdict.passed and (verdict.mistake == "softmax_overflow") is named


def test_bias_gradient_of_the_wrong_shape_is_named_only_when_it_is_the_sum(torch_ref):
    check = get_check("fc_backward")
    params = {"method": "bp_gradient", "input_size": 3, "output_size": 4, "activator": "IdentityActivator",
              "previous_activator": "IdentityActivator"}
    inputs = check.generate(params, np.random.default_rng(5))
    refs = check.references(params, inputs, torch_ref)
    summed = {"W_grad": refs["W_grad"], "b_grad": np.sum(inputs["sensitivity_array"], axis=0)}
    other = {"W_grad": refs["W_grad"], "b_grad": np.array([0.5])}
    assert check.judge(params, inputs, summed, refs, TOL).mistake == "fc_bias_grad_wrong_axis"
    verdict = check.judge(params, inputs, other, refs, TOL)
    assert not verdict.passed and verdict.mistake is None


def test_random_stacks_are_counted_like_the_solution(torch_ref):
    """The hidden stacks the grader draws are valid and torch's count equals the reference solution's."""
    from autograder.checks.network import random_stack, torch_stack

    namespace: dict = {}
    source = (REPO_ROOT / "solutions" / "network.py").read_text()
    exec("import numpy as np\n" + source[source.index("def output_shapes"):source.index("# The seed's Keras")],
         namespace)
    rng = np.random.default_rng(0)
    for _ in range(30):
        stack = random_stack(rng)
        count, shapes = torch_stack(torch_ref, stack["input_shape"], stack["layers"])
        assert namespace["count_parameters"](stack["input_shape"], stack["layers"]) == count
        assert [list(s) for s in namespace["output_shapes"](stack["input_shape"], stack["layers"])] == \
            [list(s) for s in shapes]


@pytest.mark.parametrize("right, credit", [(100, None), (95, None), (90, 2 / 3), (80, 0.0), (60, 0.0)])
def test_held_out_accuracy_between_80_and_95_earns_linear_credit(torch_ref, right, credit):
    """The accuracy test's credit: full at 95%, linear down to none at 80% (the labels are set so that the network
    the grader rebuilds is right on exactly `right` of 100 held-out digits)."""
    from autograder.checks.network import TorchLeNet, lenet_parameters

    rng = np.random.default_rng(0)
    weights = lenet_parameters(rng)
    images = rng.uniform(0, 1, (100, 1, 8, 8))
    predicted = TorchLeNet(torch_ref, weights).predictions(images)
    labels = np.where(np.arange(100) < right, predicted, (predicted + 1) % 10).astype(float)
    as_read = {key: list(value) if key in ("conv_weights", "conv_bias") else value for key, value in weights.items()}
    params = {"held_out": True, "minimum_accuracy": 0.95, "partial_from": 0.80, "epochs": 2, "learning_rate": 0.01}
    outputs = {"returned": [0.5, 0.4], "parameters": as_read, "predictions": predicted[:10]}
    verdict = get_check("lenet_train").judge(params, {"probes": images[:10]}, outputs,
                                             {"held_out_images": images, "held_out_labels": labels},
                                             Tolerance(1e-6, 1e-9))
    assert verdict.passed == (credit is None)
    if credit is not None:
        assert verdict.credit == pytest.approx(credit) and f"{right}.0% of the held-out digits" in verdict.message


def test_a_test_scores_the_credit_its_failed_cases_earn(masters, monkeypatch):
    """runner: a failed test scores its points times the smallest credit of its cases (1 for a pass, 0 for a plain
    failure: all or nothing unless every failed case earned a share)."""
    import dataclasses

    from autograder import runner
    from autograder.checks.base import PASS, Verdict

    spec = next(t for t in masters["a4"].questions["lenet_train"].tests if t.name == "loop")
    spec = dataclasses.replace(spec, cases=[dataclasses.replace(spec.cases[0], id=f"c{i}") for i in range(2)])
    check = get_check(spec.check)
    verdicts = iter([PASS, Verdict.partial("short of the target.", 0.5), Verdict.partial("short.", 0.5),
                     Verdict.fail("wrong.")])

    class Executor:
        def run(self, *args):
            return {}

    monkeypatch.setattr(check, "judge", lambda *args: next(verdicts))
    monkeypatch.setattr(check, "inputs", lambda case: {})
    monkeypatch.setattr(check, "references", lambda *args: {})
    from autograder.references import References

    result = runner.run_test(spec, executor=Executor(), references=References("cpu"), explain_failure=False)
    assert result.status == "failed" and result.score == pytest.approx(spec.points * 0.5)
    assert "Partial credit: 50%" in result.message
    plain = runner.run_test(spec, executor=Executor(), references=References("cpu"), explain_failure=False)
    assert plain.status == "failed" and plain.score == 0   # a plain failure beside a partial one: nothing


# ---- the report of the student's own layers (lenet_train.own_layers: no points) ------------------------------------

def own_layers_spec(masters):
    return next(t for t in masters["a4"].questions["lenet_train"].tests if t.name == "own_layers")


def test_the_own_layers_report_is_worth_nothing_comes_last_and_has_its_own_limit(masters, course):
    spec = own_layers_spec(masters)
    last_question = list(masters["a4"].questions)[-1]
    assert spec.points == 0 and spec.hidden and spec.question == last_question
    assert masters["a4"].questions[last_question].tests[-1].name == "own_layers"  # run after every scored test
    assert spec.settings["test_timeout_s"] == course.assignment("a4").test_timeouts_s["lenet_train.own_layers"]


@pytest.mark.parametrize("steps, words", [
    (21555, "after all 15 epochs, the weights your layers reached classify"),
    (2874, "your layers trained 2.00 of the 15 epochs (2874 of 21555 steps"),
    (0, "did not finish one step"),
])
def test_the_own_layers_report_says_how_far_training_got_and_the_accuracy_the_grader_computed(torch_ref, steps, words):
    from autograder.checks.network import TorchLeNet, lenet_parameters

    rng = np.random.default_rng(1)
    weights = lenet_parameters(rng)
    images = rng.uniform(0, 1, (40, 1, 8, 8))
    labels = TorchLeNet(torch_ref, weights).predictions(images).astype(float)
    labels[:10] = (labels[:10] + 1) % 10  # the grader's logits are right on 30 of 40
    as_read = {key: list(value) if key in ("conv_weights", "conv_bias") else value for key, value in weights.items()}
    params = {"held_out": True, "epochs": 15, "learning_rate": 0.01}
    verdict = get_check("lenet_own_layers").judge(
        params, {"labels": np.zeros(1437)}, {"steps": steps, "parameters": as_read, "seconds": 22.5},
        {"held_out_images": images, "held_out_labels": labels}, TOL)
    assert verdict.passed and verdict.message.startswith("No points, a report.") and words in verdict.message
    assert ("75.0% of the held-out digits" in verdict.message) == (steps > 0)


def test_the_own_layers_report_names_weights_that_are_not_finite_and_fails_only_on_nonsense(torch_ref):
    from autograder.checks.network import lenet_parameters

    weights = lenet_parameters(np.random.default_rng(2))
    weights["W2"][0, 0] = np.nan
    params = {"held_out": True, "epochs": 15, "learning_rate": 0.01}
    check = get_check("lenet_own_layers")
    verdict = check.judge(params, {"labels": np.zeros(10)}, {"steps": 10, "parameters": weights}, {}, TOL)
    assert verdict.passed and "not finite" in verdict.message
    for steps in (-1, 151, 2.5, "10"):
        assert not check.judge(params, {"labels": np.zeros(10)}, {"steps": steps, "parameters": weights}, {},
                               TOL).passed


def test_the_own_layers_driver_stops_by_itself_within_the_time_it_was_given(masters):
    from autograder import samples as sample_defs
    from autograder.drivers.network import lenet_own_training
    from autograder.drivers.registry import TIME_LEFT

    reference = next(s for s in sample_defs.load_samples("a4") if s.name == "reference")
    namespace = sample_defs.namespace(reference, masters["a4"])
    images, labels = digits.training_part()
    params = {"epochs": 15, "learning_rate": 0.01, "seed": 0}
    outputs = lenet_own_training(namespace, {"images": images, "labels": labels.astype(float)}, params,
                                 {TIME_LEFT: 0.4, "test_timeout_s": 30})
    assert 0 <= outputs["steps"] < 15 * len(labels)   # 0.3 s (3/4 of what is left) cannot train 15 epochs
    assert outputs["seconds"] == pytest.approx(0.3) and set(outputs["parameters"]) >= {"W1", "conv_weights"}


def test_feedback_shows_what_a_passed_report_says_and_nothing_for_a_plain_pass():
    from autograder.feedback import render_html, render_text
    from autograder.runner import ALL_PASSED, TestResult

    def result(name, message):
        return TestResult(assignment="a4", question="lenet_train", name=name, description="d", hidden=True,
                          points=0.0, score=0.0, status="passed", message=message)

    results = [result("own_layers", "No points, a report. 96.9% <held-out>"), result("accuracy", ALL_PASSED)]
    text, html = render_text(results), render_html(results)
    assert "No points, a report. 96.9% <held-out>" in text and ALL_PASSED not in text
    assert "No points, a report. 96.9% &lt;held-out&gt;" in html and ALL_PASSED not in html


def test_the_notebook_states_the_time_the_report_trains(course):
    a4 = course.assignment("a4")
    text = (REPO_ROOT / a4.source).read_text(encoding="utf-8")
    stated = re.search(r"for as long as that report's time allows \(about (\d+) s\)", text)
    allowance = 0.75 * a4.test_timeouts_s["lenet_train.own_layers"]  # drivers/network.py: its share of the limit
    assert stated and abs(int(stated.group(1)) - allowance) <= 5


@pytest.mark.integration
def test_the_sandbox_gives_the_reference_full_marks_and_its_feedback_the_report(masters, course, sample_notebooks,
                                                                               tmp_path):
    """a4 through `course grade`'s engine: the reference earns every point and its feedback carries the report of
    its own layers; the untouched release earns nothing."""
    import shutil

    from autograder.grading.batch import grade_folder
    from autograder.sandbox.engine import SandboxEngine
    from autograder.release.pipelines import all_tests

    master = masters["a4"]
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("reference", "untouched"):
        shutil.copyfile(sample_notebooks["a4"] / f"{name}.ipynb", folder / f"{name}.ipynb")
    tests = all_tests(master)
    report = grade_folder(SandboxEngine(tests, course.grading_for("a4")), folder, tmp_path / "out",
                          master.assignment.questions, tests, title="a4")
    by_student = {r.student: r for r in report.results}
    reference, untouched = by_student["reference"], by_student["untouched"]
    assert reference.score == sum(master.assignment.questions.values()) and untouched.score == 0
    own = next(t for t in reference.tests if t.id == "lenet_train.own_layers")
    assert own.passed and own.score == own.points == 0 and "of the held-out digits" in own.note
    feedback = (tmp_path / "out" / "feedback" / "reference.txt").read_text()
    assert "No points, a report." in feedback


@pytest.mark.integration
def test_nbgrader_gives_the_reference_full_marks_and_its_feedback_the_report(built, sample_notebooks, masters,
                                                                            tmp_path):
    """a4 through nbgrader autograde: full marks for the reference, none for the untouched release, and the
    hidden lenet_train cell's output (the feedback) carries the report of the student's own layers."""
    import shutil

    from autograder.grading.nbgrader_runner import grade_with_nbgrader

    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("reference", "untouched"):
        shutil.copyfile(sample_notebooks["a4"] / f"{name}.ipynb", folder / f"{name}.ipynb")
    report = grade_with_nbgrader(built["a4"].nbgrader_root, "a4", built["a4"].notebook, folder, tmp_path / "out",
                                 tmp_path / "state")
    full = masters["a4"].assignment.points
    assert report.max_score == full and report.scores == {"reference": full, "untouched": 0}
    page = tmp_path / "state" / "feedback" / "reference" / "a4" / built["a4"].notebook.replace(".ipynb", ".html")
    assert "No points, a report." in page.read_text()


def test_a_network_of_another_size_is_named_before_the_grader_builds_it(torch_ref):
    """The grader builds LeNet in torch from the weights a submission's layers hold: only LeNet's shapes (a
    thousand filters would be a tensor as large as a submission likes); per-filter biases of shape (1,) are fine."""
    from autograder.checks.network import lenet_parameters, network_parameters
    from autograder.student import StudentError

    weights = lenet_parameters(np.random.default_rng(3))
    as_read = {key: list(value) if key in ("conv_weights", "conv_bias") else value for key, value in weights.items()}
    as_read["conv_bias"] = [np.array([b]) for b in weights["conv_bias"]]  # per-filter arrays of one value
    assert network_parameters(as_read, "after training")["conv_bias"].shape == (6,)
    many = dict(as_read, conv_weights=[np.zeros((1, 3, 3))] * 1000, conv_bias=[0.0] * 1000)
    with pytest.raises(StudentError, match=r"the shape of the conv layer's filters' weights is \(1000, 1, 3, 3\)"):
        network_parameters(many, "after training")
    with pytest.raises(StudentError, match=r"hidden FC layer's W is \(54, 64\); in LeNet it is \(64, 54\)"):
        network_parameters(dict(as_read, W1=weights["W1"].T), "after training")


def test_reports_run_last_in_the_sandbox_after_the_tests_that_hand_out_the_course_units(masters):
    from autograder.release.pipelines import all_tests
    from autograder.sandbox.engine import grading_order

    tests = all_tests(masters["a4"])
    order = [tests[i] for i in grading_order(tests)]
    assert order[-1].id == "lenet_train.own_layers" and all(t.points > 0 for t in order[:-1])
    handing = [i for i, t in enumerate(order) if t.settings.get("driver_setup")]
    assert handing and all(order[i].settings.get("driver_setup") for i in range(handing[0], len(order) - 1))


def test_otters_test_files_hold_no_report(masters):
    """otter shows nothing of a passed test: a report worth no points would only cost its time there."""
    import nbformat

    from autograder.release.preprocessors import COURSE, RenderOtterQuestions

    question = masters["a4"].questions["lenet_train"]
    cell = nbformat.v4.new_markdown_cell("", metadata={COURSE: {"role": "question", "question": "lenet_train"}})
    nb, _ = RenderOtterQuestions().preprocess(nbformat.v4.new_notebook(cells=[cell]),
                                              {"questions": {"lenet_train": question}})
    sources = "\n".join(c.source for c in nb.cells)
    assert "lenet_train.accuracy" in sources and "own_layers" not in sources


def test_code_that_calls_sys_exit_in_a_kernel_fails_its_test_and_grading_goes_on():
    from autograder.student import StudentError, call

    with pytest.raises(StudentError, match=r"called sys.exit\(3\) while being graded"):
        call("LeNet.step", lambda: exit(3))


def test_the_layers_lenet_builds_are_judged_by_their_arguments_however_they_are_passed(masters):
    """Keywords in another order and sizes computed with numpy are the table's arguments; another size is named."""
    from autograder import samples as sample_defs
    from autograder.drivers.network import lenet_layers

    reference = next(s for s in sample_defs.load_samples("a4") if s.name == "reference")
    namespace = sample_defs.namespace(reference, masters["a4"])
    base = namespace["LeNet"]

    class KeywordLeNet(base):
        def __init__(self, learning_rate, seed):
            super().__init__(learning_rate, seed)
            self.pool = namespace["MaxPoolingLayer"](stride=2, filter_height=2, filter_width=2, channel_number=6,
                                                     input_height=np.int64(6), input_width=6)

        def layers(self):
            found = super().layers()
            return found[:1] + [self.pool] + found[2:]

    check = get_check("lenet_layers")
    params = {"learning_rate": 0.05, "seed": 0}
    refs = check.references(params, {}, None)
    for cls in (base, KeywordLeNet):  # the namespace is the notebook's globals, which LeNet's code reads
        namespace["LeNet"] = cls
        outputs = lenet_layers(namespace, {}, params, {})
        assert check.judge(params, {}, outputs, refs, TOL).passed, outputs
    outputs = lenet_layers(namespace, {}, {**params, "learning_rate": 0.1}, {})
    verdict = check.judge(params, {}, outputs, refs, TOL)
    assert not verdict.passed and "ConvLayer(8, 8, 1, 3, 3, 6, 0, 1, ReluActivator(), 0.1)" in verdict.message
