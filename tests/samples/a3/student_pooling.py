# Pooling written the way many students write it: loops over channels and output positions.
# MeanPoolingLayer reuses the constructor by inheritance. samples.yml plants bugs in copies of it.

# %% implement-MaxPoolingLayer
class MaxPoolingLayer:
    def __init__(self, input_width, input_height, channel_number, filter_width, filter_height, stride):
        self.input_width = input_width
        self.input_height = input_height
        self.channel_number = channel_number
        self.filter_width = filter_width
        self.filter_height = filter_height
        self.stride = stride
        self.output_width = (input_width - filter_width) // self.stride + 1
        self.output_height = (input_height - filter_height) // self.stride + 1
        self.output_array = np.zeros((self.channel_number, self.output_height, self.output_width))

    def forward(self, input_array):
        for d in range(self.channel_number):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    top, left = i * self.stride, j * self.stride
                    window = input_array[d, top:top + self.filter_height, left:left + self.filter_width]
                    self.output_array[d, i, j] = window.max()
        return self.output_array

    def backward(self, input_array, sensitivity_array):
        self.delta_array = np.zeros(input_array.shape)
        for d in range(self.channel_number):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    top, left = i * self.stride, j * self.stride
                    window = input_array[d, top:top + self.filter_height, left:left + self.filter_width]
                    k = np.argmax(window)
                    u, v = divmod(k, self.filter_width)
                    self.delta_array[d, top + u, left + v] += sensitivity_array[d, i, j]
        return self.delta_array

# %% implement-MeanPoolingLayer
class MeanPoolingLayer(MaxPoolingLayer):
    def forward(self, input_array):
        for d in range(self.channel_number):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    top, left = i * self.stride, j * self.stride
                    window = input_array[d, top:top + self.filter_height, left:left + self.filter_width]
                    self.output_array[d, i, j] = window.mean()
        return self.output_array

    def backward(self, input_array, sensitivity_array):
        fh, fw = self.filter_height, self.filter_width
        self.delta_array = np.zeros(input_array.shape)
        for d in range(self.channel_number):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    top, left = i * self.stride, j * self.stride
                    self.delta_array[d, top:top + fh, left:left + fw] += sensitivity_array[d, i, j] / (fh * fw)
        return self.delta_array

# %% implement-invariant_shifts
invariant_shifts = [-1, 0]
