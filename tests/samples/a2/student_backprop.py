# Assignment 2 methods written the way many students write them: explicit loops, gather form with rotated
# filters. Appended to the ConvLayer of ../a1/student_loops.py (same section name); samples.yml plants bugs.

# %% implement-ConvLayer
    def expand_sensitivity_map(self, sensitivity_array):
        p = self.zero_padding
        expanded_height = self.input_height + 2 * p - self.filter_height + 1
        expanded_width = self.input_width + 2 * p - self.filter_width + 1
        expanded = np.zeros((self.filter_number, expanded_height, expanded_width))
        for i in range(self.output_height):
            for j in range(self.output_width):
                expanded[:, i * self.stride, j * self.stride] = sensitivity_array[:, i, j]
        return expanded

    def bp_sensitivity_map(self, sensitivity_array, activator):
        expanded_map = self.expand_sensitivity_map(sensitivity_array)
        fh, fw, p = self.filter_height, self.filter_width, self.zero_padding
        full_map = np.pad(expanded_map, ((0, 0), (fh - 1, fh - 1), (fw - 1, fw - 1)), "constant")
        padded_delta = np.zeros((self.channel_number, self.input_height + 2 * p, self.input_width + 2 * p))
        for k in range(self.filter_number):
            rotated = np.rot90(self.filters[k].get_weights(), 2, axes=(1, 2))
            for c in range(self.channel_number):
                for i in range(padded_delta.shape[1]):
                    for j in range(padded_delta.shape[2]):
                        padded_delta[c, i, j] += np.sum(full_map[k, i:i + fh, j:j + fw] * rotated[c])
        delta = padded_delta[:, p:p + self.input_height, p:p + self.input_width]
        self.delta_array = delta * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        expanded_for_weights = self.expand_sensitivity_map(sensitivity_array)
        eh, ew = expanded_for_weights.shape[1:]
        for k in range(self.filter_number):
            grad = np.zeros(self.filters[k].weights.shape)
            for c in range(self.channel_number):
                for u in range(self.filter_height):
                    for v in range(self.filter_width):
                        grad[c, u, v] = np.sum(self.padded_input_array[c, u:u + eh, v:v + ew] * expanded_for_weights[k])
            self.filters[k].weights_grad = grad
            self.filters[k].bias_grad = np.sum(sensitivity_array[k])

    def backward(self, input_array, sensitivity_array, activator):
        self.forward(input_array)
        self.bp_sensitivity_map(sensitivity_array, activator)
        self.bp_gradient(sensitivity_array)

    def update(self):
        for f in self.filters:
            f.update(self.learning_rate)

# %% implement-numerical_gradient-relative_error
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def relative_error(a, b):
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
