# Pooling in the seed course's style: module-level helpers (get_patch, get_max_index: the first maximum in
# row-major order), loops, and results kept in self.output_array / self.delta_array with nothing returned.

# %% implement-MaxPoolingLayer
def get_patch(input_array, i, j, filter_width, filter_height, stride):
    start_i = i * stride
    start_j = j * stride
    return input_array[start_i: start_i + filter_height, start_j: start_j + filter_width]


def get_max_index(array):
    max_i = 0
    max_j = 0
    max_value = array[0, 0]
    for i in range(array.shape[0]):
        for j in range(array.shape[1]):
            if array[i, j] > max_value:
                max_value = array[i, j]
                max_i, max_j = i, j
    return max_i, max_j


class MaxPoolingLayer(object):
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
                    self.output_array[d, i, j] = get_patch(input_array[d], i, j, self.filter_width,
                                                           self.filter_height, self.stride).max()
        #> return self.output_array

    def backward(self, input_array, sensitivity_array):
        self.delta_array = np.zeros(input_array.shape)
        for d in range(self.channel_number):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    patch_array = get_patch(input_array[d], i, j, self.filter_width, self.filter_height, self.stride)
                    k, l = get_max_index(patch_array)
                    self.delta_array[d, i * self.stride + k, j * self.stride + l] += sensitivity_array[d, i, j]
        #> return self.delta_array

# %% implement-MeanPoolingLayer
class MeanPoolingLayer(MaxPoolingLayer):
    def forward(self, input_array):
        for d in range(self.channel_number):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    self.output_array[d, i, j] = get_patch(input_array[d], i, j, self.filter_width,
                                                           self.filter_height, self.stride).mean()
        #> return self.output_array

    def backward(self, input_array, sensitivity_array):
        self.delta_array = np.zeros(input_array.shape)
        share = 1.0 / (self.filter_width * self.filter_height)
        for d in range(self.channel_number):
            for i in range(self.output_height):
                for j in range(self.output_width):
                    for k in range(self.filter_height):
                        for l in range(self.filter_width):
                            self.delta_array[d, i * self.stride + k, j * self.stride + l] += \
                                sensitivity_array[d, i, j] * share
        #> return self.delta_array

# %% implement-invariant_shifts
invariant_shifts = [-1, 0]
