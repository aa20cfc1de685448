# A submission that replaces the grader's own code in its process (issue 12): its backward doubles every
# gradient, and it swaps the gradient-check driver for one that bends the forward's outputs at the grader's points
# so that their differences double too, and adds the finite differences the old protocol read from the child.
# Appended after student_backprop.py, whose backward the corpus renames honest_backward. Graded only in the
# sandbox (tests/adversarial/a2.yml): in-process it would patch the test runner's own drivers.

# %% implement-ConvLayer
    def backward(self, input_array, sensitivity_array, activator):
        self.honest_backward(input_array, sensitivity_array, activator)
        self.delta_array = 2 * self.delta_array
        for f in self.filters:
            f.weights_grad = 2 * f.weights_grad
            f.bias_grad = 2 * f.bias_grad


def _forge():
    import sys
    drivers = sys.modules.get("autograder.drivers")
    if drivers is None:
        return
    honest = drivers.DRIVERS["conv_gradcheck"]

    def forged(namespace, inputs, params, settings):
        outputs = honest(namespace, inputs, params, settings)
        numerical = {}
        for target in params.get("targets", ["input", "weights", "bias"]):
            at = [np.asarray(v, dtype=float) for v in outputs[f"forward_{target}"]["returned"]]
            half = len(at) // 2
            for i in range(half):
                middle, step = (at[i] + at[i + half]) / 2, at[i] - at[i + half]
                at[i], at[i + half] = middle + step, middle - step
            outputs[f"forward_{target}"] = {"returned": at, "output_array": at}
            numerical[target] = [float(np.sum((at[i] - at[i + half]) * inputs["sensitivity_array"]))
                                 / (2 * settings.get("fd_step", 1e-5)) for i in range(half)]
        outputs["numerical"] = numerical
        return outputs

    drivers.DRIVERS["conv_gradcheck"] = forged


_forge()
