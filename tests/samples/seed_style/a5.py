# Assignment 5 in the seed course's style, after a1.py and a2.py: module-level helpers, loops, and results kept
# in self.output_array / self.delta_array with nothing returned (`#> return ...` lines stay comments; the seed-style
# test makes them real and checks that the scores are the same). The transposed layer scatters each input value's
# stamp; batch normalization keeps its output in self.output_array.

# %% implement-DilatedConvLayer
def get_dilated_patch(input_array, i, j, filter_width, filter_height, stride, dilation):
    start_i = i * stride
    start_j = j * stride
    return input_array[:, start_i: start_i + dilation * (filter_height - 1) + 1: dilation,
                       start_j: start_j + dilation * (filter_width - 1) + 1: dilation]


class DilatedConvLayer(ConvLayer):
    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, dilation, activator, learning_rate):
        self.dilation = dilation
        ConvLayer.__init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                           filter_number, zero_padding, stride, activator, learning_rate)
        self.output_width = DilatedConvLayer.calculate_output_size(
            self.input_width, filter_width, zero_padding, stride, dilation)
        self.output_height = DilatedConvLayer.calculate_output_size(
            self.input_height, filter_height, zero_padding, stride, dilation)
        self.output_array = np.zeros((self.filter_number, self.output_height, self.output_width))

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride, dilation):
        return (input_size - dilation * (filter_size - 1) - 1 + 2 * zero_padding) // stride + 1

    def forward(self, input_array):
        self.input_array = input_array
        self.padded_input_array = padding(input_array, self.zero_padding, self.zero_padding)
        self.output_array = np.zeros((self.filter_number, self.output_height, self.output_width))
        for f in range(self.filter_number):
            filter = self.filters[f]
            for i in range(self.output_height):
                for j in range(self.output_width):
                    patch = get_dilated_patch(self.padded_input_array, i, j, self.filter_width, self.filter_height, self.stride, self.dilation)
                    self.output_array[f, i, j] = (patch * filter.get_weights()).sum() + filter.get_bias()
        element_wise_op(self.output_array, self.activator.forward)
        #> return self.output_array

    def bp_sensitivity_map(self, sensitivity_array, activator):
        padded_delta = np.zeros(self.padded_input_array.shape)
        for f in range(self.filter_number):
            weights = self.filters[f].get_weights()
            for i in range(sensitivity_array.shape[1]):
                for j in range(sensitivity_array.shape[2]):
                    for u in range(self.filter_height):
                        for v in range(self.filter_width):
                            row = i * self.stride + u * self.dilation
                            col = j * self.stride + v * self.dilation
                            padded_delta[:, row, col] += sensitivity_array[f, i, j] * weights[:, u, v]
        zp = self.zero_padding
        self.delta_array = padded_delta[:, zp: zp + self.input_height, zp: zp + self.input_width].copy()
        derivative_array = np.array(self.input_array)
        element_wise_op(derivative_array, activator.backward)
        self.delta_array *= derivative_array
        #> return self.delta_array

    def bp_gradient(self, sensitivity_array):
        for f in range(self.filter_number):
            filter = self.filters[f]
            filter.weights_grad = np.zeros(filter.weights.shape)
            for i in range(sensitivity_array.shape[1]):
                for j in range(sensitivity_array.shape[2]):
                    patch = get_dilated_patch(self.padded_input_array, i, j, self.filter_width,
                                              self.filter_height, self.stride, self.dilation)
                    filter.weights_grad += sensitivity_array[f, i, j] * patch
            filter.bias_grad = sensitivity_array[f].sum()

# %% implement-TransposedConvLayer
class TransposedConvLayer(ConvLayer):
    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, output_padding, activator, learning_rate):
        self.output_padding = output_padding
        ConvLayer.__init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                           filter_number, zero_padding, stride, activator, learning_rate)
        self.output_width = TransposedConvLayer.calculate_output_size(
            self.input_width, filter_width, zero_padding, stride, output_padding)
        self.output_height = TransposedConvLayer.calculate_output_size(
            self.input_height, filter_height, zero_padding, stride, output_padding)
        self.output_array = np.zeros((self.filter_number, self.output_height, self.output_width))

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride, output_padding):
        return (input_size - 1) * stride - 2 * zero_padding + filter_size + output_padding

    def full_size(self):
        return ((self.input_height - 1) * self.stride + self.filter_height + self.output_padding,
                (self.input_width - 1) * self.stride + self.filter_width + self.output_padding)

    def forward(self, input_array):
        self.input_array = input_array
        full = np.zeros((self.filter_number,) + self.full_size())
        for f in range(self.filter_number):
            weights = self.filters[f].get_weights()
            for i in range(self.input_height):
                for j in range(self.input_width):
                    top, left = i * self.stride, j * self.stride
                    for d in range(self.channel_number):
                        full[f, top: top + self.filter_height, left: left + self.filter_width] += input_array[d, i, j] * weights[d]
        zp = self.zero_padding
        self.output_array = full[:, zp: zp + self.output_height, zp: zp + self.output_width].copy()
        for f in range(self.filter_number):
            self.output_array[f] += self.filters[f].get_bias()
        element_wise_op(self.output_array, self.activator.forward)
        #> return self.output_array

    def padded_sensitivity(self, sensitivity_array):
        zp = self.zero_padding
        padded = np.zeros((self.filter_number,) + self.full_size())
        padded[:, zp: zp + self.output_height, zp: zp + self.output_width] = sensitivity_array
        return padded

    def bp_sensitivity_map(self, sensitivity_array, activator):
        padded = self.padded_sensitivity(sensitivity_array)
        self.delta_array = np.zeros((self.channel_number, self.input_height, self.input_width))
        for f in range(self.filter_number):
            weights = self.filters[f].get_weights()
            for d in range(self.channel_number):
                for i in range(self.input_height):
                    for j in range(self.input_width):
                        patch = get_patch(padded[f], i, j, self.filter_width, self.filter_height, self.stride)
                        self.delta_array[d, i, j] += (patch * weights[d]).sum()
        derivative_array = np.array(self.input_array)
        element_wise_op(derivative_array, activator.backward)
        self.delta_array *= derivative_array
        #> return self.delta_array

    def bp_gradient(self, sensitivity_array):
        padded = self.padded_sensitivity(sensitivity_array)
        for f in range(self.filter_number):
            filter = self.filters[f]
            filter.weights_grad = np.zeros(filter.weights.shape)
            for d in range(self.channel_number):
                for i in range(self.input_height):
                    for j in range(self.input_width):
                        patch = get_patch(padded[f], i, j, self.filter_width, self.filter_height, self.stride)
                        filter.weights_grad[d] += self.input_array[d, i, j] * patch
            filter.bias_grad = sensitivity_array[f].sum()

# %% implement-BatchNorm
class BatchNorm(object):
    def __init__(self, channel_number, eps=1e-5, momentum=0.1):
        self.channel_number = channel_number
        self.eps = eps
        self.momentum = momentum
        self.gamma = np.ones(channel_number)
        self.beta = np.zeros(channel_number)
        self.running_mean = np.zeros(channel_number)
        self.running_var = np.ones(channel_number)

    def forward(self, x, training):
        count = x.shape[0] * x.shape[2] * x.shape[3]
        if training:
            if count < 2:
                raise ValueError("Expected more than 1 value per channel when training")
            self.mean = x.mean(axis=(0, 2, 3))
            self.var = x.var(axis=(0, 2, 3))
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * self.mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * self.var * count / (count - 1)
            mean, var = self.mean, self.var
        else:
            mean, var = self.running_mean, self.running_var
        self.std = np.sqrt(var + self.eps)
        self.x_hat = (x - mean.reshape(1, -1, 1, 1)) / self.std.reshape(1, -1, 1, 1)
        self.output_array = self.gamma.reshape(1, -1, 1, 1) * self.x_hat + self.beta.reshape(1, -1, 1, 1)
        #> return self.output_array

    def backward(self, sensitivity_array):
        count = sensitivity_array.shape[0] * sensitivity_array.shape[2] * sensitivity_array.shape[3]
        self.gamma_grad = (sensitivity_array * self.x_hat).sum(axis=(0, 2, 3))
        self.beta_grad = sensitivity_array.sum(axis=(0, 2, 3))
        dx_hat = sensitivity_array * self.gamma.reshape(1, -1, 1, 1)
        self.delta_array = (count * dx_hat - dx_hat.sum(axis=(0, 2, 3), keepdims=True)
                            - self.x_hat * (dx_hat * self.x_hat).sum(axis=(0, 2, 3), keepdims=True))
        self.delta_array /= count * self.std.reshape(1, -1, 1, 1)
        #> return self.delta_array

# %% implement-receptive_field
def receptive_field(layers):
    size, jump = 1, 1
    for kernel, stride, dilation in layers:
        size += (dilation * (kernel - 1)) * jump
        jump *= stride
    return size, jump

# %% implement-rf_two_3x3-rf_three_k3
rf_two_3x3 = (5, 1)
rf_three_k3 = (7, 1)

# %% implement-bottleneck_cost
def bottleneck_cost(input_shape, filters, kernel, reduction=None):
    channels, height, width = input_shape
    cost, params = 0, 0
    if reduction:
        cost += height * width * reduction * channels
        params += reduction * channels + reduction
        channels = reduction
    cost += height * width * filters * channels * kernel * kernel
    params += filters * channels * kernel * kernel + filters
    return cost, params
