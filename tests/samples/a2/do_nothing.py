# A layer that does nothing (issue 12): forward gives zeros, backpropagation leaves zero gradients, update keeps
# the weights, the gradient checker returns zeros. Appended to the ConvLayer of ../a1/student_loops.py: the
# forward defined here replaces assignment 1's. Every question of assignment 2 must give it 0.

# %% implement-ConvLayer
    def forward(self, input_array):
        self.input_array = input_array
        self.output_array = np.zeros((self.filter_number, self.output_height, self.output_width))
        return self.output_array

    def bp_sensitivity_map(self, sensitivity_array, activator):
        self.delta_array = np.zeros((self.channel_number, self.input_height, self.input_width))
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        for f in self.filters:
            f.weights_grad = np.zeros(f.weights.shape)
            f.bias_grad = 0.0

    def backward(self, input_array, sensitivity_array, activator):
        self.forward(input_array)
        self.bp_sensitivity_map(sensitivity_array, activator)
        self.bp_gradient(sensitivity_array)

    def update(self):
        pass

# %% implement-numerical_gradient-relative_error
def numerical_gradient(f, x, h=1e-5):
    return np.zeros_like(x, dtype=float)


def relative_error(a, b):
    return 0.0
