"""A convolutional layer in numpy, vectorized: each backward pass sits next to its forward."""

import numpy as np


class Filter:
    """One filter of a conv layer: weights (depth, height, width) and a scalar bias."""

    def __init__(self, width, height, depth):
        """Small random weights of shape (depth, height, width), zero bias, zero gradients."""
        self.weights = np.random.uniform(-1e-4, 1e-4, (depth, height, width))
        self.bias = 0.0
        self.weights_grad = np.zeros(self.weights.shape)
        self.bias_grad = 0.0

    def get_weights(self):
        """-> weights, shape (depth, height, width)."""
        return self.weights

    def get_bias(self):
        """-> bias, a float."""
        return self.bias

    def update(self, learning_rate):
        """One gradient-descent step on weights and bias."""
        self.weights -= learning_rate * self.weights_grad
        self.bias -= learning_rate * self.bias_grad


class ConvLayer:
    """filter_number filters slid over a zero-padded (channels, height, width) input with a stride."""

    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, activator, learning_rate):
        """Store the geometry, create filter_number Filters and a zero output (filter_number, out_h, out_w)."""
        self.input_width = input_width
        self.input_height = input_height
        self.channel_number = channel_number
        self.filter_width = filter_width
        self.filter_height = filter_height
        self.filter_number = filter_number
        self.zero_padding = zero_padding
        self.stride = stride
        self.activator = activator
        self.learning_rate = learning_rate
        self.output_width = self.calculate_output_size(input_width, filter_width, zero_padding, stride)
        self.output_height = self.calculate_output_size(input_height, filter_height, zero_padding, stride)
        self.output_array = np.zeros((filter_number, self.output_height, self.output_width))
        self.filters = [Filter(filter_width, filter_height, channel_number) for _ in range(filter_number)]

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride):
        """-> number of filter positions along one axis: floor((W - F + 2P) / S) + 1, an int."""
        return (input_size - filter_size + 2 * zero_padding) // stride + 1

    def forward(self, input_array):
        """input_array (channels, height, width) -> output_array (filter_number, out_h, out_w), activated."""
        self.input_array = input_array
        p, s = self.zero_padding, self.stride
        self.padded_input_array = np.pad(input_array, ((0, 0), (p, p), (p, p)))
        # windows[c, i, j] is the (filter_height, filter_width) patch under output position (i, j)
        windows = np.lib.stride_tricks.sliding_window_view(
            self.padded_input_array, (self.filter_height, self.filter_width), axis=(1, 2))[:, ::s, ::s]
        weights = np.stack([f.get_weights() for f in self.filters])
        biases = np.array([f.get_bias() for f in self.filters], dtype=float)
        weighted_input = np.einsum("cijhw,kchw->kij", windows, weights) + biases[:, None, None]
        self.output_array = self.activator.forward(weighted_input)
        return self.output_array
