"""Pooling layers in numpy, vectorized: each backward pass sits next to its forward."""

import numpy as np


class MaxPoolingLayer:
    """Keeps the largest value of each (filter_height, filter_width) window; no parameters, no padding."""

    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height, stride):
        """Store the geometry; output (channel_number, out_h, out_w) with out = floor((W - F) / S) + 1."""
        self.input_width = input_width
        self.input_height = input_height
        self.channel_number = channel_number
        self.filter_width = filter_width
        self.filter_height = filter_height
        self.stride = stride
        self.output_width = (input_width - filter_width) // stride + 1
        self.output_height = (input_height - filter_height) // stride + 1
        self.output_array = np.zeros((channel_number, self.output_height, self.output_width))

    def forward(self, input_array):
        """input_array (channels, height, width) -> output_array (channels, out_h, out_w), each window's max.

        Keep the result in self.output_array; returning it as well is fine (then both must agree)."""
        s = self.stride
        windows = np.lib.stride_tricks.sliding_window_view(
            input_array, (self.filter_height, self.filter_width), axis=(1, 2))[:, ::s, ::s]
        self.output_array = windows.max(axis=(3, 4))
        return self.output_array

    def backward(self, input_array, sensitivity_array):
        """sensitivity_array (channels, out_h, out_w) -> delta_array (channels, height, width).

        Each output's gradient goes to its window's maximum (the first one in row-major order when there
        are ties); where windows overlap, the contributions add up.
        Keep the result in self.delta_array; returning it as well is fine (then both must agree)."""
        s, fh, fw = self.stride, self.filter_height, self.filter_width
        windows = np.lib.stride_tricks.sliding_window_view(input_array, (fh, fw), axis=(1, 2))[:, ::s, ::s]
        channels, out_h, out_w = windows.shape[:3]
        rows_in_window, cols_in_window = divmod(windows.reshape(channels, out_h, out_w, fh * fw).argmax(axis=3), fw)
        rows = np.arange(out_h)[None, :, None] * s + rows_in_window
        cols = np.arange(out_w)[None, None, :] * s + cols_in_window
        self.delta_array = np.zeros(np.shape(input_array))
        np.add.at(self.delta_array, (np.arange(channels)[:, None, None], rows, cols), sensitivity_array)
        return self.delta_array


class MeanPoolingLayer:
    """Averages each (filter_height, filter_width) window; no parameters, no padding."""

    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height, stride):
        """Store the geometry; output (channel_number, out_h, out_w) with out = floor((W - F) / S) + 1."""
        self.input_width = input_width
        self.input_height = input_height
        self.channel_number = channel_number
        self.filter_width = filter_width
        self.filter_height = filter_height
        self.stride = stride
        self.output_width = (input_width - filter_width) // stride + 1
        self.output_height = (input_height - filter_height) // stride + 1
        self.output_array = np.zeros((channel_number, self.output_height, self.output_width))

    def forward(self, input_array):
        """input_array (channels, height, width) -> output_array (channels, out_h, out_w), each window's mean.

        Keep the result in self.output_array; returning it as well is fine (then both must agree)."""
        s = self.stride
        windows = np.lib.stride_tricks.sliding_window_view(
            input_array, (self.filter_height, self.filter_width), axis=(1, 2))[:, ::s, ::s]
        self.output_array = windows.mean(axis=(3, 4))
        return self.output_array

    def backward(self, input_array, sensitivity_array):
        """sensitivity_array (channels, out_h, out_w) -> delta_array (channels, height, width).

        Each output's gradient is shared equally by the cells of its window (divided, not copied, so the total
        is preserved); where windows overlap, the shares add up.
        Keep the result in self.delta_array; returning it as well is fine (then both must agree)."""
        s, fh, fw = self.stride, self.filter_height, self.filter_width
        out_h, out_w = np.shape(sensitivity_array)[1:]
        share = np.asarray(sensitivity_array) / (fh * fw)
        self.delta_array = np.zeros(np.shape(input_array))
        for u in range(fh):  # one strided slice per window cell: no loop over pixels
            for v in range(fw):
                self.delta_array[:, u:u + s * (out_h - 1) + 1:s, v:v + s * (out_w - 1) + 1:s] += share
        return self.delta_array
