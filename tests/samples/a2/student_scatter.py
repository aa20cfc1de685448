# bp_sensitivity_map in the scatter form (each output spreads its sensitivity over its window, weighted by the
# filter as it is), the other form many students write. Appended after student_backprop.py: this definition
# replaces the gather form there.

# %% implement-ConvLayer
    def bp_sensitivity_map(self, sensitivity_array, activator):
        p, s = self.zero_padding, self.stride
        padded_delta = np.zeros((self.channel_number, self.input_height + 2 * p, self.input_width + 2 * p))
        for k in range(self.filter_number):
            weights = self.filters[k].get_weights()
            for i in range(self.output_height):
                for j in range(self.output_width):
                    top, left = i * s, j * s
                    window = padded_delta[:, top:top + self.filter_height, left:left + self.filter_width]
                    window += sensitivity_array[k, i, j] * weights
        delta = padded_delta[:, p:p + self.input_height, p:p + self.input_width]
        self.delta_array = delta * activator.backward(self.input_array)
        return self.delta_array
