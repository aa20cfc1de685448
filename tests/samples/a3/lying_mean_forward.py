# A mean-pooling forward that lies only where the finite differences look (issue 18): exact wherever it is asked
# directly, but near the input backward last saw it changes twice as fast as it should, like this backward,
# which doubles the gradient. Appended to the MeanPoolingLayer of student_pooling.py, whose forward and backward
# samples.yml renames honest_*.

# %% implement-MeanPoolingLayer
    def backward(self, input_array, sensitivity_array):
        self.delta_array = 2 * np.array(self.honest_backward(input_array, sensitivity_array), dtype=float)
        self.seen = np.array(input_array, dtype=float)
        self.seen_output = np.array(self.honest_forward(self.seen), dtype=float)
        return self.delta_array

    def forward(self, input_array):
        output = np.array(self.honest_forward(input_array), dtype=float)
        seen = getattr(self, "seen", None)
        if seen is not None and 0 < np.max(np.abs(input_array - seen)) < 1e-3:
            output = 2 * output - self.seen_output
        self.output_array = output
        return output
