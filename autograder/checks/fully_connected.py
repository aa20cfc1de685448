"""Assignment 4's layer checks: the fully connected layer (forward, backward, update, finite differences),
Flatten and the softmax cross-entropy loss, each against torch in float64 (nn.functional.linear, reshape,
cross_entropy, autograd). Nothing is re-implemented here in numpy: this module ships with releases.
"""

from __future__ import annotations

import numpy as np

from ..finite_differences import perturbed_points
from ..probes import ACTIVATOR_PROBE
from ..student import StudentError, as_array
from .base import (PASS, Check, Verdict, activator_probe_reference, compare_array, failure, result_of, shape_text,
                   stored_too, upstream_cause)
from .diagnosis import judge_array, same
from .gradient_checking import FD_STEP, directions_for, gradient_check
from .update import UpdateCheck

LABEL = "FullyConnectedLayer"


def fc_inputs(params, rng) -> dict:
    """An input column (a ReLU previous layer gives a ReLU output, zeros included), W, b and a sensitivity column."""
    n_in, n_out = params["input_size"], params["output_size"]
    x = rng.uniform(-1, 1, (n_in, 1))
    if params.get("previous_activator") == "ReluActivator":
        x = np.maximum(x, 0)
    return {"input_array": x, "W": rng.uniform(-1, 1, (n_out, n_in)), "b": rng.uniform(-1, 1, (n_out, 1)),
            "sensitivity_array": rng.uniform(-1, 1, (n_out, 1))}


def linear(torch_ref, x, weights, bias) -> np.ndarray:
    """W @ x + b for a column x, with torch's nn.functional.linear."""
    F = torch_ref.torch.nn.functional
    out = F.linear(torch_ref.tensor(x).T, torch_ref.tensor(weights), torch_ref.tensor(bias).reshape(-1))
    return torch_ref.numpy(out.T)


def linear_gradients(torch_ref, x, weights, bias, sensitivity):
    """Autograd of sum(sensitivity * (W @ x + b)) -> (d x, d W, d b), d b a column."""
    t = [torch_ref.tensor(v).requires_grad_() for v in (x, weights, bias)]
    out = torch_ref.torch.nn.functional.linear(t[0].T, t[1], t[2].reshape(-1)).T
    (out * torch_ref.tensor(sensitivity)).sum().backward()
    return tuple(torch_ref.numpy(v.grad) for v in t)


def _describe(params) -> str:
    return (f"{LABEL}: input_size {params['input_size']}, output_size {params['output_size']}, activator "
            f"{params['activator']}")


class FcForwardCheck(Check):
    """forward against nn.functional.linear, then the activator; forward keeps its input in self.input_array."""

    name, driver = "fc_forward", "fc_forward"

    def generate(self, params, rng):
        return fc_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        x, w, b = inputs["input_array"], inputs["W"], inputs["b"]
        relu = params["activator"] == "ReluActivator"
        activate = torch_ref.relu if relu else (lambda z: z)
        weighted = linear(torch_ref, x, w, b)
        alternatives = {"fc_bias_missing": activate(linear(torch_ref, x, w, np.zeros_like(b)))}
        if relu:
            alternatives["activator_not_applied"] = weighted
        return {"expected": activate(weighted), "alternatives": alternatives,
                "activator_probe": activator_probe_reference(torch_ref, params["activator"], "forward",
                                                             ACTIVATOR_PROBE)}

    def judge(self, params, inputs, outputs, refs, tol):
        returned = result_of(outputs, "returned", "output_array", f"{LABEL}.forward", LABEL)
        verdict = judge_array(f"the output of {LABEL}.forward", returned, refs["expected"], tol, refs["alternatives"])
        if not verdict.passed:
            return upstream_cause(verdict, outputs, refs, "activator", f"{params['activator']}.forward")
        verdict = stored_too(outputs, "output_array", returned, f"{LABEL}.forward", LABEL)
        if not verdict.passed:
            return verdict
        kept = outputs.get("input_array")
        x = np.asarray(inputs["input_array"], np.float64)
        if kept is None or not np.array_equal(as_array(kept, f"{LABEL}.input_array").array, x):
            return Verdict.fail(f"{LABEL}.input_array after forward is not the input forward was given: keep it in "
                                "self.input_array (backpropagation reads it; see the docstring).")
        return PASS

    def describe(self, params):
        return _describe(params)


class FcBackwardCheck(Check):
    """bp_sensitivity_map, bp_gradient or backward against torch autograd of linear (ConvLayer's convention)."""

    name, driver = "fc_backward", "fc_backward"

    def generate(self, params, rng):
        return fc_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        x, w, b, sens = (inputs[k] for k in ("input_array", "W", "b", "sensitivity_array"))
        dx, dw, db = linear_gradients(torch_ref, x, w, b, sens)
        relu = params["previous_activator"] == "ReluActivator"
        derivative = torch_ref.numpy((torch_ref.tensor(x) > 0).double()) if relu else np.ones_like(x)
        delta_alternatives = {"activator_derivative_missing": dx} if relu and np.any(derivative == 0) else {}
        total = float(torch_ref.tensor(sens).sum())
        return {"delta": dx * derivative, "W_grad": dw, "b_grad": db, "delta_alternatives": delta_alternatives,
                "W_alternatives": {"fc_weight_grad_transposed": dw.T},
                "b_alternatives": {"fc_bias_grad_wrong_axis": [np.array(total), np.array([total]),
                                                               np.array([[total]])]},
                "previous_activator_probe": activator_probe_reference(torch_ref, params["previous_activator"],
                                                                      "backward", ACTIVATOR_PROBE)}

    def _delta(self, params, outputs, refs, tol, returned: bool) -> Verdict:
        if returned:
            value = result_of(outputs, "returned_delta", "delta_array", f"{LABEL}.bp_sensitivity_map", LABEL)
            verdict = judge_array("the delta_array of bp_sensitivity_map", value, refs["delta"], tol,
                                  refs["delta_alternatives"])
            if verdict.passed:
                verdict = stored_too(outputs, "delta_array", value, "bp_sensitivity_map", LABEL)
        else:
            if outputs.get("delta_array") is None:
                raise StudentError(f"{LABEL}.backward did not set self.delta_array: the tests read `delta_array` "
                                   "after backward (see the docstring)")
            verdict = judge_array(f"{LABEL}.delta_array after backward",
                                  as_array(outputs["delta_array"], f"{LABEL}.delta_array"), refs["delta"], tol,
                                  refs["delta_alternatives"])
        return upstream_cause(verdict, outputs, refs, "previous_activator",
                              f"{params['previous_activator']}.backward")

    def _gradients(self, outputs, refs, tol) -> Verdict:
        for key in ("W_grad", "b_grad"):
            if outputs.get(key) is None:
                raise StudentError(f"{LABEL}.{key} is None after bp_gradient: store the gradient there (see the "
                                   "docstring)")
            value = as_array(outputs[key], f"{LABEL}.{key}")
            verdict = self._one(key, value, refs, tol)
            if not verdict.passed:
                return verdict
        return PASS

    @staticmethod
    def _one(key, value, refs, tol) -> Verdict:
        expected, alternatives = refs[key], refs[f"{key[0]}_alternatives"]
        verdict = compare_array(f"{LABEL}.{key}", value, expected, tol, require_float64=False)
        if verdict.passed:
            return verdict
        names = [name for name, variants in alternatives.items()
                 if any(same(value.array, np.asarray(v, np.float64), tol) and not same(np.asarray(v, np.float64),
                                                                                       expected, tol)
                        for v in (variants if isinstance(variants, list) else [variants]))]
        if value.array.shape != expected.shape:
            return failure(f"{LABEL}.{key} has shape {shape_text(value.array.shape)}, expected "
                           f"{shape_text(expected.shape)}.", names)
        return failure(verdict.message.split(" Likely mistake")[0], names) if names else verdict

    def judge(self, params, inputs, outputs, refs, tol):
        method = params["method"]
        if method == "bp_sensitivity_map":
            return self._delta(params, outputs, refs, tol, returned=True)
        if method == "bp_gradient":
            return self._gradients(outputs, refs, tol)
        verdict = self._delta(params, outputs, refs, tol, returned=False)
        return verdict if not verdict.passed else self._gradients(outputs, refs, tol)

    def describe(self, params):
        return f"{params['method']}: {_describe(params)}, previous layer's activator {params['previous_activator']}"


class FcUpdateCheck(UpdateCheck):
    """update(): W and b take one SGD step with the layer's learning rate (torch.optim.SGD)."""

    name, driver = "fc_update", "fc_update"
    PARAMETERS = (("weights", "W", "W_grad", f"{LABEL}.W after update()"),
                  ("bias", "b", "b_grad", f"{LABEL}.b after update()"))

    def generate(self, params, rng):
        inputs = fc_inputs(params, rng)
        inputs["W_grad"] = rng.uniform(-1, 1, inputs["W"].shape)
        inputs["b_grad"] = rng.uniform(-1, 1, inputs["b"].shape)
        return inputs

    def updated(self, outputs, key, label):
        return as_array(outputs.get(key), label)

    def describe(self, params):
        return f"update() with learning rate {params['learning_rate']}: {_describe(params)}"


class FcGradcheckCheck(Check):
    """backward's gradients against central differences of the student's own forward, taken by the grader at
    points it chooses, where every output of the forward is first checked against torch."""

    name, driver = "fc_gradcheck", "fc_gradcheck"
    uses_fd_step = True
    TARGETS = {"input": ("input_array", "delta_array", "the input"), "weights": ("W", "W_grad", "W"),
               "bias": ("b", "b_grad", "b")}

    @staticmethod
    def targets(params) -> list[str]:
        return list(params.get("targets", ["input", "weights", "bias"]))

    def generate(self, params, rng):
        inputs = fc_inputs(params, rng)
        step = float(params.get("fd_step", FD_STEP))
        for target in self.targets(params):
            key = self.TARGETS[target][0]
            inputs[f"directions_{target}"] = directions_for(params, rng, inputs[key].shape)
            inputs[f"points_{target}"] = perturbed_points(inputs[key], inputs[f"directions_{target}"], step)
        inputs["fd_step"] = step
        return inputs

    def references(self, params, inputs, torch_ref):
        values = {"input": inputs["input_array"], "weights": inputs["W"], "bias": inputs["b"]}
        refs = dict(zip(("input", "weights", "bias"), linear_gradients(
            torch_ref, values["input"], values["weights"], values["bias"], inputs["sensitivity_array"])))
        for target in self.targets(params):
            refs[f"forward_{target}"] = np.stack([linear(torch_ref, *{**values, target: point}.values())
                                                  for point in inputs[f"points_{target}"]])
        return refs

    def judge(self, params, inputs, outputs, refs, tol):
        for target in self.targets(params):
            _, gradient, what = self.TARGETS[target]
            if outputs.get(gradient) is None:
                raise StudentError(f"{LABEL}.{gradient} is None after backward (see the docstring)")
            analytic = as_array(outputs[gradient], f"{LABEL}.{gradient}").array
            if analytic.shape != refs[target].shape:
                return Verdict.fail(f"{LABEL}.{gradient} has shape {shape_text(analytic.shape)}, expected "
                                    f"{shape_text(refs[target].shape)}.")
            verdict = gradient_check(f"{LABEL}.forward", f"{LABEL}.{gradient}", what, analytic,
                                     outputs.get(f"forward_{target}"), refs[f"forward_{target}"], inputs,
                                     inputs[f"directions_{target}"], params["mode"], tol)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        how = "every component" if params["mode"] == "full" else f"{params.get('directions', 3)} random directions"
        return f"finite differences ({how}): {_describe(params)}"


OTHER_ORDERS = ((0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))  # axis orders other than C's


def flattened_otherwise(torch_ref, x) -> list[np.ndarray]:
    """x (C, H, W) flattened to a column in every axis order other than (channels, rows, columns)."""
    return [torch_ref.numpy(torch_ref.tensor(x).permute(*axes).reshape(-1, 1)) for axes in OTHER_ORDERS]


def unflattened_otherwise(torch_ref, column, shape) -> list[np.ndarray]:
    """A column reshaped back to `shape` as if it had been flattened in another axis order."""
    t = torch_ref.tensor(column)
    return [torch_ref.numpy(t.reshape(tuple(shape[a] for a in axes)).permute(*(int(i) for i in np.argsort(axes))))
            for axes in OTHER_ORDERS]


class FlattenCheck(Check):
    """Flatten forward (C order, a column) and backward (the same order back to the input's shape), torch reshape."""

    name, driver = "flatten", "flatten"

    def generate(self, params, rng):
        shape = tuple(params["input_shape"])
        return {"input_array": rng.uniform(-1, 1, shape),
                "sensitivity_array": rng.uniform(-1, 1, (int(np.prod(shape)), 1))}

    def references(self, params, inputs, torch_ref):
        x, sens, shape = inputs["input_array"], inputs["sensitivity_array"], tuple(params["input_shape"])
        return {"forward": torch_ref.numpy(torch_ref.tensor(x).reshape(-1, 1)),
                "backward": torch_ref.numpy(torch_ref.tensor(sens).reshape(shape)),
                "forward_alternatives": {"flatten_not_c_order": flattened_otherwise(torch_ref, x)},
                "backward_alternatives": {"flatten_order_mismatch": unflattened_otherwise(torch_ref, sens, shape)}}

    def judge(self, params, inputs, outputs, refs, tol):
        returned = result_of(outputs, "returned", "output_array", "Flatten.forward", "Flatten")
        verdict = judge_array("the output of Flatten.forward", returned, refs["forward"], tol,
                              refs["forward_alternatives"], require_float64=False)
        if verdict.passed:
            verdict = stored_too(outputs, "output_array", returned, "Flatten.forward", "Flatten")
        if not verdict.passed or params["method"] == "forward":
            return verdict
        delta = result_of(outputs, "returned_delta", "delta_array", "Flatten.backward", "Flatten")
        verdict = judge_array("the delta_array of Flatten.backward", delta, refs["backward"], tol,
                              refs["backward_alternatives"], require_float64=False)
        return verdict if not verdict.passed else stored_too(outputs, "delta_array", delta, "Flatten.backward",
                                                             "Flatten")

    def describe(self, params):
        c, h, w = params["input_shape"]
        return f"Flatten.{params['method']} on a {c}x{h}x{w} input (channels x height x width)"


class SoftmaxCrossEntropyCheck(Check):
    """forward's loss and probabilities against F.cross_entropy and softmax; backward against autograd."""

    name, driver = "softmax_cross_entropy", "softmax_cross_entropy"

    def generate(self, params, rng):
        classes, scale = params["classes"], float(params.get("scale", 3.0))
        return {"logits": rng.uniform(-scale, scale, (classes, 1)), "label": int(rng.integers(classes))}

    def references(self, params, inputs, torch_ref):
        torch, F = torch_ref.torch, torch_ref.torch.nn.functional
        z = torch_ref.tensor(inputs["logits"]).reshape(1, -1).requires_grad_()
        label = torch.tensor([int(inputs["label"])], device=z.device)
        loss = F.cross_entropy(z, label)
        loss.backward()
        probabilities = torch_ref.numpy(F.softmax(z.detach(), dim=1).T)
        with np.errstate(all="ignore"):  # what exp without the maximum subtracted gives (inf / inf = nan)
            naive = torch.exp(z.detach()) / torch.exp(z.detach()).sum()
        one_hot = np.zeros_like(probabilities)
        one_hot[int(inputs["label"]), 0] = 1.0
        return {"loss": float(loss.detach()), "probabilities": probabilities, "delta": torch_ref.numpy(z.grad.T),
                "naive_finite": bool(torch.isfinite(naive).all()),
                "delta_alternatives": {"ce_gradient_sign": one_hot - probabilities,
                                       "ce_gradient_no_label": probabilities}}

    @staticmethod
    def _overflow(refs, *values) -> Verdict | None:
        """A loss or probabilities that are not finite: the overflow of exp, named when exp without the maximum
        subtracted overflows on these logits too."""
        for value in values:
            if value is not None and not np.all(np.isfinite(value.array)):
                mistake = None if refs["naive_finite"] else "softmax_overflow"
                return Verdict.fail("SoftmaxCrossEntropy.forward gave a value that is not finite (nan or inf) on "
                                    "these logits; torch's loss is finite.", mistake)
        return None

    def judge(self, params, inputs, outputs, refs, tol):
        label = "SoftmaxCrossEntropy.forward"
        loss = result_of(outputs, "returned", "loss", label, "SoftmaxCrossEntropy")
        probabilities = (as_array(outputs["probabilities"], "SoftmaxCrossEntropy.probabilities")
                         if outputs.get("probabilities") is not None else None)
        verdict = self._overflow(refs, loss, probabilities)
        if verdict is not None:
            return verdict
        if loss.array.size != 1:
            return Verdict.fail(f"the loss of {label} has shape {shape_text(loss.array.shape)}; it should be one "
                                "number.")
        loss_value = type(loss)(array=loss.array.reshape(()), dtype=loss.dtype, kind="scalar")
        verdict = compare_array(f"the loss of {label}", loss_value, np.array(refs["loss"]), tol, require_float64=False)
        if not verdict.passed:
            return verdict
        if probabilities is None:
            raise StudentError(f"{label} did not set self.probabilities (see the docstring)")
        verdict = compare_array("SoftmaxCrossEntropy.probabilities", probabilities, refs["probabilities"], tol,
                                require_float64=False)
        if not verdict.passed or params["method"] == "forward":
            return verdict
        delta = result_of(outputs, "returned_delta", "delta_array", "SoftmaxCrossEntropy.backward",
                          "SoftmaxCrossEntropy")
        verdict = judge_array("the delta_array of SoftmaxCrossEntropy.backward", delta, refs["delta"], tol,
                              refs["delta_alternatives"], require_float64=False)
        return verdict if not verdict.passed else stored_too(outputs, "delta_array", delta,
                                                             "SoftmaxCrossEntropy.backward", "SoftmaxCrossEntropy")

    def describe(self, params):
        return (f"SoftmaxCrossEntropy.{params['method']}: {params['classes']} classes, logits within "
                f"+-{params.get('scale', 3.0):g}")


CHECKS = (FcForwardCheck(), FcBackwardCheck(), FcUpdateCheck(), FcGradcheckCheck(), FlattenCheck(),
          SoftmaxCrossEntropyCheck())
