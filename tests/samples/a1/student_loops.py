# A correct submission written the way many students write it: explicit loops, no vectorization.
# Sections map to the notebook's implement cells (`# %% <cell id>`); samples.yml plants bugs in copies of it.

# %% implement-ReluActivator-IdentityActivator
class ReluActivator:
    def forward(self, weighted_input):
        return np.maximum(0, weighted_input)

    def backward(self, output):
        return np.where(np.asarray(output) > 0, 1.0, 0.0)


class IdentityActivator:
    def forward(self, weighted_input):
        return weighted_input

    def backward(self, output):
        return np.ones_like(np.asarray(output, dtype=float))

# %% implement-Filter
class Filter:
    def __init__(self, width, height, depth):
        self.weights = np.random.uniform(-1e-4, 1e-4, (depth, height, width))
        self.bias = 0
        self.weights_grad = np.zeros(self.weights.shape)
        self.bias_grad = 0

    def get_weights(self):
        return self.weights

    def get_bias(self):
        return self.bias

    def update(self, learning_rate):
        self.weights -= learning_rate * self.weights_grad
        self.bias -= learning_rate * self.bias_grad

# %% implement-ConvLayer
class ConvLayer:
    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, activator, learning_rate):
        self.input_width = input_width
        self.input_height = input_height
        self.channel_number = channel_number
        self.filter_width = filter_width
        self.filter_height = filter_height
        self.filter_number = filter_number
        self.zero_padding = zero_padding
        self.stride = stride
        self.output_width = ConvLayer.calculate_output_size(self.input_width, filter_width, zero_padding, stride)
        self.output_height = ConvLayer.calculate_output_size(self.input_height, filter_height, zero_padding, stride)
        self.output_array = np.zeros((self.filter_number, self.output_height, self.output_width))
        self.filters = []
        for i in range(filter_number):
            self.filters.append(Filter(filter_width, filter_height, self.channel_number))
        self.activator = activator
        self.learning_rate = learning_rate

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride):
        return (input_size - filter_size + 2 * zero_padding) // stride + 1

    def forward(self, input_array):
        self.input_array = input_array
        p = self.zero_padding
        self.padded_input_array = np.pad(input_array, ((0, 0), (p, p), (p, p)), "constant")
        for f in range(self.filter_number):
            filter = self.filters[f]
            for i in range(self.output_height):
                for j in range(self.output_width):
                    top, left = i * self.stride, j * self.stride
                    patch = self.padded_input_array[:, top:top + self.filter_height, left:left + self.filter_width]
                    self.output_array[f, i, j] = np.sum(patch * filter.get_weights()) + filter.get_bias()
        self.output_array = self.activator.forward(self.output_array)
        return self.output_array

# %% implement-output_shape-parameter_count
output_shape = (16, 13, 10)
parameter_count = 1216
