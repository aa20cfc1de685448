# A forward that lies only where the gradient check looks (issue 18): exact wherever it is asked directly, but
# near the input (and weights) that backward last saw it bends so that its central differences are twice the
# true gradient, the same as this backward, which doubles every gradient. Appended to the ConvLayer of
# ../a1/student_loops.py and student_backprop.py, whose forward and backward samples.yml renames honest_*.

# %% implement-ConvLayer
    def backward(self, input_array, sensitivity_array, activator):
        self.honest_backward(input_array, sensitivity_array, activator)
        self.delta_array = 2 * self.delta_array
        for f in self.filters:
            f.weights_grad = 2 * f.weights_grad
            f.bias_grad = 2 * f.bias_grad
        self.seen = self.state(input_array)
        self.seen_output = np.array(self.honest_forward(np.array(input_array, dtype=float)), dtype=float)

    def state(self, input_array):
        return np.concatenate([np.ravel(input_array)] + [np.ravel(f.weights) for f in self.filters]
                              + [np.ravel(f.bias) for f in self.filters]).astype(float)

    def forward(self, input_array):
        output = np.array(self.honest_forward(input_array), dtype=float)
        seen = getattr(self, "seen", None)
        if seen is not None:
            distance = np.max(np.abs(self.state(input_array) - seen))
            if 0 < distance < 1e-3:  # near the point backward saw: twice the change the honest forward makes
                output = 2 * output - self.seen_output
        self.output_array = output
        return output
