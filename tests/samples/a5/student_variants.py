# Assignment 5 written the way many students write it: explicit loops, results stored and returned. Combined
# with the assignment 1 and 2 code the notebook carries (../a1/student_loops.py, ../a2/student_backprop.py);
# samples.yml plants bugs in copies of it.

# %% implement-DilatedConvLayer
class DilatedConvLayer(ConvLayer):
    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, dilation, activator, learning_rate):
        self.input_width = input_width
        self.input_height = input_height
        self.channel_number = channel_number
        self.filter_width = filter_width
        self.filter_height = filter_height
        self.filter_number = filter_number
        self.zero_padding = zero_padding
        self.stride = stride
        self.dilation = dilation
        self.activator = activator
        self.learning_rate = learning_rate
        self.output_width = DilatedConvLayer.calculate_output_size(input_width, filter_width, zero_padding, stride,
                                                                   dilation)
        self.output_height = DilatedConvLayer.calculate_output_size(input_height, filter_height, zero_padding,
                                                                    stride, dilation)
        self.output_array = np.zeros((filter_number, self.output_height, self.output_width))
        self.filters = [Filter(filter_width, filter_height, channel_number) for _ in range(filter_number)]

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride, dilation):
        return (input_size - dilation * (filter_size - 1) - 1 + 2 * zero_padding) // stride + 1

    def get_patch(self, padded, i, j):
        d = self.dilation
        top, left = i * self.stride, j * self.stride
        return padded[:, top:top + d * (self.filter_height - 1) + 1:d, left:left + d * (self.filter_width - 1) + 1:d]

    def forward(self, input_array):
        self.input_array = input_array
        p = self.zero_padding
        self.padded_input_array = np.pad(input_array, ((0, 0), (p, p), (p, p)))
        output = np.zeros((self.filter_number, self.output_height, self.output_width))
        for k, filter in enumerate(self.filters):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    patch = self.get_patch(self.padded_input_array, i, j)
                    output[k, i, j] = np.sum(patch * filter.get_weights()) + filter.get_bias()
        self.output_array = self.activator.forward(output)
        return self.output_array

    def bp_sensitivity_map(self, sensitivity_array, activator):
        d, p = self.dilation, self.zero_padding
        padded_delta = np.zeros(self.padded_input_array.shape)
        for k, filter in enumerate(self.filters):
            weights = filter.get_weights()
            for i in range(sensitivity_array.shape[1]):
                for j in range(sensitivity_array.shape[2]):
                    top, left = i * self.stride, j * self.stride
                    for u in range(self.filter_height):
                        for v in range(self.filter_width):
                            padded_delta[:, top + u * d, left + v * d] += sensitivity_array[k, i, j] * weights[:, u, v]
        delta = padded_delta[:, p:p + self.input_height, p:p + self.input_width]
        self.delta_array = delta * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        for k, filter in enumerate(self.filters):
            grad = np.zeros(filter.weights.shape)
            for i in range(sensitivity_array.shape[1]):
                for j in range(sensitivity_array.shape[2]):
                    grad += sensitivity_array[k, i, j] * self.get_patch(self.padded_input_array, i, j)
            filter.weights_grad = grad
            filter.bias_grad = np.sum(sensitivity_array[k])

# %% implement-TransposedConvLayer
class TransposedConvLayer(ConvLayer):
    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, output_padding, activator, learning_rate):
        self.input_width = input_width
        self.input_height = input_height
        self.channel_number = channel_number
        self.filter_width = filter_width
        self.filter_height = filter_height
        self.filter_number = filter_number
        self.zero_padding = zero_padding
        self.stride = stride
        self.output_padding = output_padding
        self.activator = activator
        self.learning_rate = learning_rate
        self.output_width = TransposedConvLayer.calculate_output_size(input_width, filter_width, zero_padding,
                                                                      stride, output_padding)
        self.output_height = TransposedConvLayer.calculate_output_size(input_height, filter_height, zero_padding,
                                                                       stride, output_padding)
        self.output_array = np.zeros((filter_number, self.output_height, self.output_width))
        self.filters = [Filter(filter_width, filter_height, channel_number) for _ in range(filter_number)]

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride, output_padding):
        return (input_size - 1) * stride - 2 * zero_padding + filter_size + output_padding

    def forward(self, input_array):
        self.input_array = input_array
        s, fh, fw, op = self.stride, self.filter_height, self.filter_width, self.output_padding
        spread = np.zeros((self.channel_number, (self.input_height - 1) * s + 1, (self.input_width - 1) * s + 1))
        for i in range(self.input_height):
            for j in range(self.input_width):
                spread[:, i * s, j * s] = input_array[:, i, j]
        full = np.pad(spread, ((0, 0), (fh - 1, fh - 1 + op), (fw - 1, fw - 1 + op)))
        rows, cols = full.shape[1] - fh + 1, full.shape[2] - fw + 1
        result = np.zeros((self.filter_number, rows, cols))
        for k, filter in enumerate(self.filters):
            rotated = filter.get_weights()[:, ::-1, ::-1]
            for i in range(rows):
                for j in range(cols):
                    result[k, i, j] = np.sum(full[:, i:i + fh, j:j + fw] * rotated) + filter.get_bias()
        p = self.zero_padding
        self.output_array = self.activator.forward(result[:, p:rows - p, p:cols - p])
        return self.output_array

    def padded_sensitivity(self, sensitivity_array):
        p = self.zero_padding
        rows = (self.input_height - 1) * self.stride + self.filter_height + self.output_padding
        cols = (self.input_width - 1) * self.stride + self.filter_width + self.output_padding
        padded = np.zeros((self.filter_number, rows, cols))
        padded[:, p:p + sensitivity_array.shape[1], p:p + sensitivity_array.shape[2]] = sensitivity_array
        return padded

    def bp_sensitivity_map(self, sensitivity_array, activator):
        s, fh, fw = self.stride, self.filter_height, self.filter_width
        padded = self.padded_sensitivity(sensitivity_array)
        delta = np.zeros((self.channel_number, self.input_height, self.input_width))
        for k, filter in enumerate(self.filters):
            for i in range(self.input_height):
                for j in range(self.input_width):
                    window = padded[k, i * s:i * s + fh, j * s:j * s + fw]
                    delta[:, i, j] += np.sum(window * filter.get_weights(), axis=(1, 2))
        self.delta_array = delta * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        s, fh, fw = self.stride, self.filter_height, self.filter_width
        padded = self.padded_sensitivity(sensitivity_array)
        for k, filter in enumerate(self.filters):
            grad = np.zeros(filter.weights.shape)
            for i in range(self.input_height):
                for j in range(self.input_width):
                    stamp = padded[k, i * s:i * s + fh, j * s:j * s + fw]
                    grad += self.input_array[:, i, j][:, None, None] * stamp
            filter.weights_grad = grad
            filter.bias_grad = np.sum(sensitivity_array[k])

# %% implement-BatchNorm
class BatchNorm:
    def __init__(self, channel_number, eps=1e-5, momentum=0.1):
        self.channel_number = channel_number
        self.eps = eps
        self.momentum = momentum
        self.gamma = np.ones(channel_number)
        self.beta = np.zeros(channel_number)
        self.running_mean = np.zeros(channel_number)
        self.running_var = np.ones(channel_number)

    def forward(self, x, training):
        n = x.shape[0] * x.shape[2] * x.shape[3]
        if training:
            if n == 1:
                raise ValueError("batch norm needs more than one value per channel in training")
            mean = np.zeros(self.channel_number)
            var = np.zeros(self.channel_number)
            for c in range(self.channel_number):
                mean[c] = np.mean(x[:, c])
                var[c] = np.var(x[:, c])
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
        else:
            mean = self.running_mean
            var = self.running_var
        self.var = var
        self.x_hat = np.zeros(x.shape)
        self.output_array = np.zeros(x.shape)
        for c in range(self.channel_number):
            self.x_hat[:, c] = (x[:, c] - mean[c]) / np.sqrt(var[c] + self.eps)
            self.output_array[:, c] = self.gamma[c] * self.x_hat[:, c] + self.beta[c]
        return self.output_array

    def backward(self, sensitivity_array):
        self.gamma_grad = np.zeros(self.channel_number)
        self.beta_grad = np.zeros(self.channel_number)
        self.delta_array = np.zeros(sensitivity_array.shape)
        for c in range(self.channel_number):
            dy = sensitivity_array[:, c]
            x_hat = self.x_hat[:, c]
            self.gamma_grad[c] = np.sum(dy * x_hat)
            self.beta_grad[c] = np.sum(dy)
            dx_hat = dy * self.gamma[c]
            dx = dx_hat - np.mean(dx_hat) - x_hat * np.mean(dx_hat * x_hat)
            self.delta_array[:, c] = dx / np.sqrt(self.var[c] + self.eps)
        return self.delta_array

# %% implement-receptive_field
def receptive_field(layers):
    size = 1
    jump = 1
    for kernel, stride, dilation in layers:
        size = size + dilation * (kernel - 1) * jump
        jump = jump * stride
    return (size, jump)

# %% implement-rf_two_3x3-rf_three_k3
rf_two_3x3 = (5, 1)
rf_three_k3 = (7, 1)

# %% implement-bottleneck_cost
def bottleneck_cost(input_shape, filters, kernel, reduction=None):
    channels, height, width = input_shape
    multiplications = 0
    parameters = 0
    if reduction is not None:
        multiplications += height * width * channels * reduction
        parameters += channels * reduction + reduction
        channels = reduction
    multiplications += height * width * channels * kernel * kernel * filters
    parameters += channels * kernel * kernel * filters + filters
    return (multiplications, parameters)
