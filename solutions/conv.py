"""A convolutional layer in numpy, vectorized: each backward pass sits next to its forward."""

import numpy as np


class Filter:
    """One filter of a conv layer: weights (depth, height, width) and a scalar bias."""

    def __init__(self, width, height, depth):
        """Small random weights of shape (depth, height, width), zero bias, zero gradients.

        The tests read (and set) these four attributes by name: self.weights, self.bias, self.weights_grad,
        self.bias_grad."""
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
        """Store the geometry, create filter_number Filters and a zero output (filter_number, out_h, out_w).

        The tests read these attributes by name: self.output_width, self.output_height (ints), self.output_array
        (zeros of shape (filter_number, output_height, output_width)) and self.filters (a list of Filter)."""
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
        """input_array (channels, height, width) -> output_array (filter_number, out_h, out_w), activated.

        Keep the result in self.output_array; returning it as well is fine (then both must agree). Also keep
        self.input_array and self.padded_input_array: assignment 2's backward pass reads them."""
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

    def backward(self, input_array, sensitivity_array, activator):
        """Forward on input_array, then delta_array for the previous layer and every filter's gradients.

        sensitivity_array (filter_number, out_h, out_w): dLoss/d(this layer's weighted input);
        activator: the PREVIOUS layer's activator, whose output input_array is.
        """
        self.forward(input_array)
        self.bp_sensitivity_map(sensitivity_array, activator)
        self.bp_gradient(sensitivity_array)

    def bp_sensitivity_map(self, sensitivity_array, activator):
        """sensitivity_array (filter_number, out_h, out_w) -> delta_array (channels, in_h, in_w), dLoss/d(previous z).

        Keep the result in self.delta_array (backward's caller reads it there); returning it as well is fine."""
        p, s, fh, fw = self.zero_padding, self.stride, self.filter_height, self.filter_width
        # the map the layer would have at stride 1: strided positions hold the sensitivities, the rest zeros
        expanded = np.zeros((self.filter_number, self.input_height + 2 * p - fh + 1, self.input_width + 2 * p - fw + 1))
        expanded[:, ::s, ::s] = sensitivity_array
        # a "full" cross-correlation with the filters rotated by 180 degrees, summed over filters
        full = np.pad(expanded, ((0, 0), (fh - 1, fh - 1), (fw - 1, fw - 1)))
        windows = np.lib.stride_tricks.sliding_window_view(full, (fh, fw), axis=(1, 2))
        rotated = np.stack([f.get_weights() for f in self.filters])[:, :, ::-1, ::-1]
        padded_delta = np.einsum("kijhw,kchw->cij", windows, rotated)
        input_gradient = padded_delta[:, p:p + self.input_height, p:p + self.input_width]
        self.delta_array = input_gradient * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        """Each filter's weights_grad (depth, height, width) and bias_grad (a float) from sensitivity_array."""
        p, s, fh, fw = self.zero_padding, self.stride, self.filter_height, self.filter_width
        expanded = np.zeros((self.filter_number, self.input_height + 2 * p - fh + 1, self.input_width + 2 * p - fw + 1))
        expanded[:, ::s, ::s] = sensitivity_array
        # weights_grad[c, u, v] = sum over positions of the padded input under filter cell (u, v) times the map
        windows = np.lib.stride_tricks.sliding_window_view(self.padded_input_array, expanded.shape[1:], axis=(1, 2))
        weights_grads = np.einsum("cuvij,kij->kcuv", windows, expanded)
        for f, weights_grad, sensitivity_map in zip(self.filters, weights_grads, sensitivity_array):
            f.weights_grad = weights_grad
            f.bias_grad = float(sensitivity_map.sum())

    def update(self):
        """One gradient-descent step for every filter, with the layer's learning rate."""
        for f in self.filters:
            f.update(self.learning_rate)
