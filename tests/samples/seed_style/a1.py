# A submission written the way the seed course (seed 002) writes its layers: helper functions at module level
# (padding, get_patch, conv, element_wise_op), explicit loops, int initial values (bias = 0), and results kept
# in self.output_array (written in place) with nothing returned. `#> return ...` lines stay comments here;
# tests/test_seed_style.py uncomments them to grade the same code with returns, which must score the same.

# %% implement-ReluActivator-IdentityActivator
class ReluActivator(object):
    def forward(self, weighted_input):
        return np.maximum(0, weighted_input)

    def backward(self, output):
        return np.where(np.asarray(output) > 0, 1.0, 0.0)


class IdentityActivator(object):
    def forward(self, weighted_input):
        return weighted_input

    def backward(self, output):
        return np.ones(np.shape(output))

# %% implement-Filter
class Filter(object):
    def __init__(self, width, height, depth):
        self.weights = np.random.uniform(-1e-4, 1e-4, (depth, height, width))
        self.bias = 0
        self.weights_grad = np.zeros(self.weights.shape)
        self.bias_grad = 0

    def __repr__(self):
        return 'filter weights:\n%s\nbias:\n%s' % (repr(self.weights), repr(self.bias))

    def get_weights(self):
        return self.weights

    def get_bias(self):
        return self.bias

    def update(self, learning_rate):
        self.weights -= learning_rate * self.weights_grad
        self.bias -= learning_rate * self.bias_grad

# %% implement-ConvLayer
def padding(input_array, zp_height, zp_width):
    """Zero rings around a 2-d or 3-d array: zp_height rows above and below, zp_width columns left and right."""
    if zp_height == 0 and zp_width == 0:
        return input_array
    if input_array.ndim == 3:
        depth, height, width = input_array.shape
        padded_array = np.zeros((depth, height + 2 * zp_height, width + 2 * zp_width))
        padded_array[:, zp_height: zp_height + height, zp_width: zp_width + width] = input_array
        return padded_array
    height, width = input_array.shape
    padded_array = np.zeros((height + 2 * zp_height, width + 2 * zp_width))
    padded_array[zp_height: zp_height + height, zp_width: zp_width + width] = input_array
    return padded_array


def get_patch(input_array, i, j, filter_width, filter_height, stride):
    start_i = i * stride
    start_j = j * stride
    if input_array.ndim == 2:
        return input_array[start_i: start_i + filter_height, start_j: start_j + filter_width]
    return input_array[:, start_i: start_i + filter_height, start_j: start_j + filter_width]


def conv(input_array, kernel_array, output_array, stride, bias):
    output_height, output_width = output_array.shape
    kernel_height, kernel_width = kernel_array.shape[-2:]
    for i in range(output_height):
        for j in range(output_width):
            output_array[i][j] = (get_patch(input_array, i, j, kernel_width, kernel_height, stride)
                                  * kernel_array).sum() + bias


def element_wise_op(array, op):
    for i in np.nditer(array, op_flags=['readwrite']):
        i[...] = op(i)


class ConvLayer(object):
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
        self.padded_input_array = padding(input_array, self.zero_padding, self.zero_padding)
        for f in range(self.filter_number):
            filter = self.filters[f]
            conv(self.padded_input_array, filter.get_weights(), self.output_array[f], self.stride, filter.get_bias())
        element_wise_op(self.output_array, self.activator.forward)
        #> return self.output_array

# %% implement-output_shape-parameter_count
output_shape = (16, 13, 10)
parameter_count = 16 * (5 * 5 * 3) + 16
