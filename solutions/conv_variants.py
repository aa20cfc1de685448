"""Dilated and transposed convolutional layers in numpy, vectorized, with ConvLayer's conventions."""

import numpy as np

from solutions.conv import ConvLayer, Filter


class DilatedConvLayer(ConvLayer):
    """A ConvLayer whose filter taps sit `dilation` positions apart: a wider view for the same weights."""

    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, dilation, activator, learning_rate):
        """Store the geometry, create filter_number Filters and a zero output (filter_number, out_h, out_w).

        The tests read these attributes by name: self.output_width, self.output_height (ints), self.output_array
        and self.filters (a list of Filter(filter_width, filter_height, channel_number))."""
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
        self.output_width = self.calculate_output_size(input_width, filter_width, zero_padding, stride, dilation)
        self.output_height = self.calculate_output_size(input_height, filter_height, zero_padding, stride, dilation)
        self.output_array = np.zeros((filter_number, self.output_height, self.output_width))
        self.filters = [Filter(filter_width, filter_height, channel_number) for _ in range(filter_number)]

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride, dilation):
        """-> number of filter positions along one axis: floor((W - d(F - 1) - 1 + 2P) / S) + 1, an int."""
        return (input_size - dilation * (filter_size - 1) - 1 + 2 * zero_padding) // stride + 1

    def forward(self, input_array):
        """input_array (channels, height, width) -> output_array (filter_number, out_h, out_w), activated.

        Keep the result in self.output_array (returning it as well is fine), and keep self.input_array and
        self.padded_input_array for the backward pass."""
        p, s, d = self.zero_padding, self.stride, self.dilation
        self.input_array = input_array
        self.padded_input_array = np.pad(input_array, ((0, 0), (p, p), (p, p)))
        # windows[c, i, j] is the (filter_height, filter_width) grid of cells, d apart, under output (i, j)
        extent = (d * (self.filter_height - 1) + 1, d * (self.filter_width - 1) + 1)
        windows = np.lib.stride_tricks.sliding_window_view(self.padded_input_array, extent, axis=(1, 2))
        windows = windows[:, ::s, ::s, ::d, ::d][:, :self.output_height, :self.output_width]
        weights = np.stack([f.get_weights() for f in self.filters])
        biases = np.array([f.get_bias() for f in self.filters], dtype=float)
        weighted_input = np.einsum("cijhw,kchw->kij", windows, weights)
        self.output_array = self.activator.forward(weighted_input + biases[:, None, None])
        return self.output_array

    def bp_sensitivity_map(self, sensitivity_array, activator):
        """sensitivity_array (filter_number, out_h, out_w) -> delta_array (channels, in_h, in_w), dLoss/d(previous z).

        Keep the result in self.delta_array; returning it as well is fine."""
        p, s, d = self.zero_padding, self.stride, self.dilation
        out_h, out_w = np.shape(sensitivity_array)[1:]
        weights = np.stack([f.get_weights() for f in self.filters])
        padded_delta = np.zeros(self.padded_input_array.shape)
        for u in range(self.filter_height):  # each filter tap spreads every sensitivity onto the input it touched
            for v in range(self.filter_width):
                top, left = u * d, v * d
                padded_delta[:, top:top + s * (out_h - 1) + 1:s, left:left + s * (out_w - 1) + 1:s] += np.einsum(
                    "kij,kc->cij", sensitivity_array, weights[:, :, u, v])
        input_gradient = padded_delta[:, p:p + self.input_height, p:p + self.input_width]
        self.delta_array = input_gradient * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        """Each filter's weights_grad (depth, height, width) and bias_grad (a float) from sensitivity_array."""
        s, d = self.stride, self.dilation
        out_h, out_w = np.shape(sensitivity_array)[1:]
        extent = (d * (self.filter_height - 1) + 1, d * (self.filter_width - 1) + 1)
        windows = np.lib.stride_tricks.sliding_window_view(self.padded_input_array, extent, axis=(1, 2))
        windows = windows[:, ::s, ::s, ::d, ::d][:, :out_h, :out_w]
        weights_grads = np.einsum("cijhw,kij->kchw", windows, sensitivity_array)
        for f, weights_grad, sensitivity_map in zip(self.filters, weights_grads, sensitivity_array):
            f.weights_grad = weights_grad
            f.bias_grad = float(sensitivity_map.sum())


class TransposedConvLayer(ConvLayer):
    """The transpose of a strided convolution: every input value spreads a filter-sized stamp onto a larger map."""

    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height,
                 filter_number, zero_padding, stride, output_padding, activator, learning_rate):
        """Store the geometry, create filter_number Filters of depth channel_number and a zero output.

        Filter k makes output channel k: filters[k].weights[c] is torch's conv_transpose2d weight[c, k]. The tests
        read self.output_width, self.output_height (ints), self.output_array and self.filters by name."""
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
        self.output_width = self.calculate_output_size(input_width, filter_width, zero_padding, stride, output_padding)
        self.output_height = self.calculate_output_size(input_height, filter_height, zero_padding, stride,
                                                        output_padding)
        self.output_array = np.zeros((filter_number, self.output_height, self.output_width))
        self.filters = [Filter(filter_width, filter_height, channel_number) for _ in range(filter_number)]

    @staticmethod
    def calculate_output_size(input_size, filter_size, zero_padding, stride, output_padding):
        """-> output size along one axis: (W - 1)S - 2P + F + output_padding, an int."""
        return (input_size - 1) * stride - 2 * zero_padding + filter_size + output_padding

    def forward(self, input_array):
        """input_array (channels, height, width) -> output_array (filter_number, out_h, out_w), activated.

        Zeros are inserted between the input's values ((H - 1)S + 1 rows), the result is padded with F - 1 zeros
        and cross-correlated with the filters rotated by 180 degrees; P rows and columns are cut off each side.
        Keep the result in self.output_array (returning it as well is fine) and self.input_array."""
        p, s, fh, fw, op = self.zero_padding, self.stride, self.filter_height, self.filter_width, self.output_padding
        self.input_array = input_array
        channels, height, width = np.shape(input_array)
        spread = np.zeros((channels, (height - 1) * s + 1, (width - 1) * s + 1))
        spread[:, ::s, ::s] = input_array
        full = np.pad(spread, ((0, 0), (fh - 1, fh - 1 + op), (fw - 1, fw - 1 + op)))
        windows = np.lib.stride_tricks.sliding_window_view(full, (fh, fw), axis=(1, 2))
        rotated = np.stack([f.get_weights() for f in self.filters])[:, :, ::-1, ::-1]
        biases = np.array([f.get_bias() for f in self.filters], dtype=float)
        full_output = np.einsum("cijhw,kchw->kij", windows, rotated)
        weighted_input = full_output[:, p:p + self.output_height, p:p + self.output_width] + biases[:, None, None]
        self.output_array = self.activator.forward(weighted_input)
        return self.output_array

    def bp_sensitivity_map(self, sensitivity_array, activator):
        """sensitivity_array (filter_number, out_h, out_w) -> delta_array (channels, in_h, in_w), dLoss/d(previous z).

        It is a plain strided convolution of the sensitivity map. Keep the result in self.delta_array."""
        p, s, fh, fw, op = self.zero_padding, self.stride, self.filter_height, self.filter_width, self.output_padding
        # the sensitivities back in the uncropped map, then the (fh, fw) patch each input value stamped
        full_size = ((self.input_height - 1) * s + fh + op, (self.input_width - 1) * s + fw + op)
        full = np.zeros((self.filter_number, *full_size))
        full[:, p:p + self.output_height, p:p + self.output_width] = sensitivity_array
        windows = np.lib.stride_tricks.sliding_window_view(full, (fh, fw), axis=(1, 2))
        windows = windows[:, ::s, ::s][:, :self.input_height, :self.input_width]
        weights = np.stack([f.get_weights() for f in self.filters])
        input_gradient = np.einsum("kijhw,kchw->cij", windows, weights)
        self.delta_array = input_gradient * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        """Each filter's weights_grad (depth, height, width) and bias_grad (a float) from sensitivity_array."""
        p, s, fh, fw, op = self.zero_padding, self.stride, self.filter_height, self.filter_width, self.output_padding
        full_size = ((self.input_height - 1) * s + fh + op, (self.input_width - 1) * s + fw + op)
        full = np.zeros((self.filter_number, *full_size))
        full[:, p:p + self.output_height, p:p + self.output_width] = sensitivity_array
        windows = np.lib.stride_tricks.sliding_window_view(full, (fh, fw), axis=(1, 2))
        windows = windows[:, ::s, ::s][:, :self.input_height, :self.input_width]
        weights_grads = np.einsum("kijhw,cij->kchw", windows, self.input_array)
        for f, weights_grad, sensitivity_map in zip(self.filters, weights_grads, sensitivity_array):
            f.weights_grad = weights_grad
            f.bias_grad = float(sensitivity_map.sum())
