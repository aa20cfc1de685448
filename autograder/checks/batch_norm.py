"""Assignment 5 checks: batch normalization of (batch, channels, height, width) maps against torch's BatchNorm2d in
training and evaluation mode (outputs, running statistics, the ValueError on one value per channel), its backward
pass against autograd, and against central differences of the student's own forward taken by the grader.
"""

from __future__ import annotations

import numpy as np

from ..finite_differences import perturbed_points
from ..student import StudentError, as_array
from .gradient_checking import FD_STEP, ForwardAtPoints, compare_with_finite_differences, directions_for
from .base import PASS, Check, Verdict, result_of, shape_text, stored_too
from .diagnosis import judge_array

NAME = "BatchNorm"


def bn_settings(params) -> tuple[float, float]:
    """(eps, momentum) of a case: torch's defaults unless the case sets them."""
    return float(params.get("eps", 1e-5)), float(params.get("momentum", 0.1))


def bn_inputs(params, rng) -> dict:
    """Training batches (steps, N, C, H, W), an evaluation batch, gamma and beta, and a sensitivity map."""
    shape = tuple(params["input_shape"])
    steps = int(params.get("steps", 1))
    per_channel = (1, 1, shape[1], 1, 1)
    batches = rng.normal(loc=rng.uniform(-1, 1, per_channel), scale=rng.uniform(0.5, 2, per_channel),
                         size=(steps, *shape))
    if params.get("equal_channel"):
        batches[:, :, 0] = rng.uniform(-1, 1)  # every value of channel 0 the same: variance 0
    c = shape[1]
    inputs = {"batches": batches, "eval_input": rng.normal(size=shape), "gamma": rng.uniform(0.5, 1.5, c),
              "beta": rng.uniform(-1, 1, c), "sensitivity_array": rng.uniform(-1, 1, shape)}
    if params.get("single"):  # two values per channel, which torch trains on: the ValueError must not come here too
        inputs["control"] = rng.normal(size=(2, *shape[1:]))
    return inputs


class _Torch:
    """torch's batch normalization with the case's gamma, beta, eps and momentum."""

    def __init__(self, torch_ref, params, inputs):
        self.ref, self.F = torch_ref, torch_ref.torch.nn.functional
        self.eps, self.momentum = bn_settings(params)
        self.gamma, self.beta = torch_ref.tensor(inputs["gamma"]), torch_ref.tensor(inputs["beta"])

    def module(self, channels):
        """A fresh BatchNorm2d in float64 with the case's gamma and beta."""
        torch = self.ref.torch
        bn = torch.nn.BatchNorm2d(channels, eps=self.eps, momentum=self.momentum, dtype=torch.float64,
                                  device=self.ref.device)
        with torch.no_grad():
            bn.weight.copy_(self.gamma)
            bn.bias.copy_(self.beta)
        return bn

    def training(self, x, unbiased=False) -> np.ndarray:
        """The training-mode output on x; unbiased=True normalizes with the unbiased variance (a mistake)."""
        t = self.ref.tensor(x)
        if not unbiased:
            return self.ref.numpy(self.F.batch_norm(t, None, None, self.gamma, self.beta, training=True, eps=self.eps))
        var = t.var(dim=(0, 2, 3), unbiased=True)
        return self.with_statistics(x, t.mean(dim=(0, 2, 3)), var)

    def with_statistics(self, x, mean, var) -> np.ndarray:
        """The evaluation-mode output on x with the given mean and variance (tensors or arrays of shape (C,))."""
        mean, var = (m if not isinstance(m, np.ndarray) else self.ref.tensor(m) for m in (mean, var))
        return self.ref.numpy(self.F.batch_norm(self.ref.tensor(x), mean, var, self.gamma, self.beta, training=False,
                                                eps=self.eps))

    def gradients(self, x, sensitivity) -> tuple:
        """Autograd of sum(sensitivity * training output) -> (d x, d gamma, d beta)."""
        ref = self.ref
        tensors = [ref.tensor(x).requires_grad_(), *(t.clone().requires_grad_() for t in (self.gamma, self.beta))]
        out = self.F.batch_norm(tensors[0], None, None, tensors[1], tensors[2], training=True, eps=self.eps)
        (out * ref.tensor(sensitivity)).sum().backward()
        return tuple(ref.numpy(t.grad) for t in tensors)


def _vector(outputs, key, label) -> np.ndarray | None:
    value = outputs.get(key)
    return None if value is None else as_array(value, label).array


class BatchNormForwardCheck(Check):
    """__init__'s parameters and statistics, forward in training mode (outputs, running statistics after every
    batch), then forward in evaluation mode, against torch's BatchNorm2d; params.single: a batch with one value per
    channel, on which training must raise ValueError (as torch does) and evaluation still works."""

    name, driver = "bn_forward", "bn_forward"

    def generate(self, params, rng):
        return bn_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        bn_torch = _Torch(torch_ref, params, inputs)
        channels = int(params["input_shape"][1])
        fresh = torch_ref.torch.nn.BatchNorm2d(channels, dtype=torch_ref.torch.float64)
        initial = {"gamma": torch_ref.numpy(fresh.weight), "beta": torch_ref.numpy(fresh.bias),
                   "running_mean": torch_ref.numpy(fresh.running_mean),
                   "running_var": torch_ref.numpy(fresh.running_var)}
        bn = bn_torch.module(channels)
        steps = []
        if not params.get("single"):
            bn.train()
            for batch in inputs["batches"]:
                with torch_ref.torch.no_grad():
                    output = torch_ref.numpy(bn(torch_ref.tensor(batch)))
                steps.append({"output": output, "unbiased": bn_torch.training(batch, unbiased=True),
                              "running_mean": torch_ref.numpy(bn.running_mean),
                              "running_var": torch_ref.numpy(bn.running_var)})
        bn.eval()
        x = inputs["eval_input"]
        with torch_ref.torch.no_grad():
            evaluation = torch_ref.numpy(bn(torch_ref.tensor(x)))
        eval_alternatives = {}
        if x.size // channels > 1:
            eval_alternatives["bn_eval_batch_statistics"] = bn_torch.training(x)
        # no 'running statistics never updated' here: evaluation is judged after the training steps, which check
        # the running statistics themselves (an evaluation with the initial ones has not used the updated ones)
        return {"initial": initial, "steps": steps, "eval": evaluation, "eval_alternatives": eval_alternatives}

    def judge(self, params, inputs, outputs, refs, tol):
        verdict = self._initial(outputs.get("initial") or {}, refs["initial"], tol)
        if not verdict.passed:
            return verdict
        if params.get("single"):
            verdict = self._raised(params, outputs.get("raised"), outputs.get("control_raised"))
            if not verdict.passed:
                return verdict
        steps = outputs.get("steps") or []
        if len(steps) != len(refs["steps"]):
            raise StudentError(f"{NAME}.forward did not give an output for every training batch")
        for i, (got, wanted) in enumerate(zip(steps, refs["steps"])):
            verdict = self._step(i, got, wanted, refs["initial"], tol)
            if not verdict.passed:
                return verdict
        label = f"{NAME}.forward(x, training=False)"
        returned = result_of(outputs.get("eval") or {}, "returned", "output_array", label, NAME)
        after = " after the training batches" if steps else ""
        verdict = judge_array(f"the output of {label}{after}", returned, refs["eval"], tol, refs["eval_alternatives"],
                              require_float64=False)
        if not verdict.passed:
            return verdict
        verdict = stored_too(outputs.get("eval") or {}, "output_array", returned, label, NAME)
        return verdict if not verdict.passed else self._kept(outputs.get("eval") or {}, label)

    @staticmethod
    def _initial(initial, wanted, tol) -> Verdict:
        for key, expected in wanted.items():
            value = _vector(initial, key, f"{NAME}.{key}")
            if value is None:
                return Verdict.fail(f"{NAME} has no attribute '{key}' after __init__ (the tests read it; see the "
                                    "docstring).")
            if value.shape != expected.shape or not np.allclose(value, expected, rtol=0, atol=0):
                return Verdict.fail(f"{NAME}.{key} after __init__ should be {expected.tolist()} (as torch's "
                                    f"BatchNorm2d starts), got {value.tolist()}.")
        return PASS

    @staticmethod
    def _raised(params, raised, control_raised) -> Verdict:
        shape = "x".join(str(n) for n in params["input_shape"])
        if raised == "ValueError" and control_raised is None:
            return PASS
        if raised == "ValueError":
            control = "x".join(str(n) for n in [2, *params["input_shape"][1:]])
            return Verdict.fail(f"{NAME}.forward(x, training=True) raised ValueError on a {shape} batch (one value per "
                                f"channel), but it also raised {control_raised} on a {control} batch (two values per "
                                "channel), which torch normalizes: raise ValueError only when a channel has a single "
                                "value in the batch.")
        what = "returned without an error" if raised is None else f"raised {raised}"
        return Verdict.fail(f"{NAME}.forward(x, training=True) on a {shape} batch (one value per channel) {what}; it "
                            "should raise ValueError, as torch does: one value has no spread to normalize by.")

    @staticmethod
    def _kept(evaluation, label) -> Verdict:
        """Evaluation mode leaves the running statistics as they were (torch's BatchNorm2d changes nothing there)."""
        before, after = evaluation.get("running_before") or {}, evaluation.get("running_after") or {}
        for key, value in before.items():
            if value is None:
                continue  # missing before the call: the training checks say so
            if after.get(key) is None:
                return Verdict.fail(f"{NAME}.{key} is missing after {label}.")
            old, new = as_array(value, f"{NAME}.{key}").array, as_array(after[key], f"{NAME}.{key}").array
            if old.shape != new.shape:
                change = f"from shape {shape_text(old.shape)} to {shape_text(new.shape)}"
            elif not np.array_equal(old, new, equal_nan=True):
                index = tuple(int(n) for n in np.argwhere(old != new)[0])
                change = f"at index {index}: {old[index]:g} -> {new[index]:g}"
            else:
                continue
            return Verdict.fail(f"{label} changed {NAME}.{key} ({change}): evaluation mode uses the running "
                                "statistics and leaves them as they are (as torch's BatchNorm2d does); only a "
                                "training forward updates them.")
        return PASS

    @staticmethod
    def _step(i, got, wanted, initial, tol) -> Verdict:
        label = f"{NAME}.forward(x, training=True)"
        which = f" on training batch {i + 1}" if i else ""
        returned = result_of(got, "returned", "output_array", label, NAME)
        verdict = judge_array(f"the output of {label}{which}", returned, wanted["output"], tol,
                              {"bn_unbiased_variance": wanted["unbiased"]}, require_float64=False)
        if not verdict.passed:
            return verdict
        verdict = stored_too(got, "output_array", returned, label, NAME)
        if not verdict.passed:
            return verdict
        for key in ("running_mean", "running_var"):
            value = _vector(got, key, f"{NAME}.{key}")
            if value is None:
                return Verdict.fail(f"{NAME}.{key} is missing after {label}{which}.")
            stats = as_array(got[key], f"{NAME}.{key}")
            verdict = judge_array(f"{NAME}.{key} after training batch {i + 1}", stats, wanted[key], tol,
                                  {"bn_running_not_updated": initial[key]}, require_float64=False)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        n, c, h, w = params["input_shape"]
        eps, momentum = bn_settings(params)
        if params.get("single"):
            what = "training must raise ValueError, then evaluation"
        else:
            steps = int(params.get("steps", 1))
            what = f"{steps} training batch{'es' if steps > 1 else ''}, then evaluation"
        equal = ", channel 0 constant" if params.get("equal_channel") else ""
        return (f"{NAME}({c}, eps={eps:g}, momentum={momentum:g}) on {n}x{c}x{h}x{w} batches (batch x channels x "
                f"height x width){equal}: {what}")


class BatchNormBackwardCheck(Check):
    """backward(sensitivity_array) after a training forward against torch autograd: delta_array, gamma_grad and
    beta_grad."""

    name, driver = "bn_backward", "bn_backward"

    def generate(self, params, rng):
        return bn_inputs(params, rng)

    def references(self, params, inputs, torch_ref):
        bn_torch = _Torch(torch_ref, params, inputs)
        x, sens = inputs["batches"][0], inputs["sensitivity_array"]
        dx, dgamma, dbeta = bn_torch.gradients(x, sens)
        # the batch mean and variance treated as constants: only the direct path, dy * gamma / sqrt(var + eps)
        t = torch_ref.tensor(x)
        direct = torch_ref.tensor(sens) * (bn_torch.gamma / (t.var(dim=(0, 2, 3), unbiased=False) + bn_torch.eps)
                                           .sqrt())[None, :, None, None]
        return {"delta": dx, "gamma_grad": dgamma, "beta_grad": dbeta,
                "delta_alternatives": {"bn_backward_terms_missing": torch_ref.numpy(direct)}}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"{NAME}.backward"
        returned = result_of(outputs, "returned", "delta_array", label, NAME)
        verdict = judge_array(f"the delta_array of {label}", returned, refs["delta"], tol, refs["delta_alternatives"],
                              require_float64=False)
        if not verdict.passed:
            return verdict
        verdict = stored_too(outputs, "delta_array", returned, label, NAME)
        if not verdict.passed:
            return verdict
        for key in ("gamma_grad", "beta_grad"):
            if outputs.get(key) is None:
                return Verdict.fail(f"{NAME}.{key} is missing after backward (the tests read it; see the docstring).")
            verdict = judge_array(f"{NAME}.{key} after backward", as_array(outputs[key], f"{NAME}.{key}"), refs[key],
                                  tol, require_float64=False)
            if not verdict.passed:
                return verdict
        return PASS

    def describe(self, params):
        n, c, h, w = params["input_shape"]
        return (f"{NAME}.backward after a training forward on a {n}x{c}x{h}x{w} batch (batch x channels x height x "
                "width)")


class BatchNormGradcheckCheck(Check):
    """backward's delta_array against central differences of the student's own training forward, at points the
    grader chooses, where every output is first checked against torch."""

    name, driver = "bn_gradcheck", "bn_gradcheck"
    uses_fd_step = True

    def generate(self, params, rng):
        inputs = bn_inputs(params, rng)
        x = inputs["batches"][0]
        inputs["directions"] = directions_for(params, rng, x.shape)
        inputs["fd_step"] = float(params.get("fd_step", FD_STEP))
        inputs["points"] = perturbed_points(x, inputs["directions"], inputs["fd_step"])
        return inputs

    def references(self, params, inputs, torch_ref):
        bn_torch = _Torch(torch_ref, params, inputs)
        return {"gradient": bn_torch.gradients(inputs["batches"][0], inputs["sensitivity_array"])[0],
                "forward": np.stack([bn_torch.training(point) for point in inputs["points"]])}

    def judge(self, params, inputs, outputs, refs, tol):
        label = f"the delta_array of {NAME}.backward"
        returned = result_of(outputs, "returned", "delta_array", f"{NAME}.backward", NAME)
        if returned.array.shape != refs["gradient"].shape:
            return Verdict.fail(f"{label} has shape {shape_text(returned.array.shape)}, expected "
                                f"{shape_text(refs['gradient'].shape)}.")
        at_points = ForwardAtPoints(f"{NAME}.forward", inputs["sensitivity_array"], float(inputs["fd_step"]))
        derivatives, verdict = at_points.derivatives("the input", outputs.get("forward"), refs["forward"], tol)
        if not verdict.passed:
            return verdict
        return compare_with_finite_differences(label, returned.array, derivatives, inputs["directions"],
                                               params["mode"], tol.fd)

    def describe(self, params):
        n, c, h, w = params["input_shape"]
        how = "every component" if params["mode"] == "full" else f"{params.get('directions', 3)} random directions"
        return f"finite differences ({how}) of {NAME}'s training forward on a {n}x{c}x{h}x{w} batch"


CHECKS = (BatchNormForwardCheck(), BatchNormBackwardCheck(), BatchNormGradcheckCheck())
