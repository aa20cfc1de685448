# Assignment 4 in the seed course's style: results kept in attributes (self.output_array, self.delta_array,
# self.loss) with nothing returned, loops, np.dot. `#> return ...` lines stay comments here; tests/test_seed_style.py
# makes them real to check that storing scores exactly what returning scores. Used after ../seed_style/a1.py,
# a2.py and a3.py (the layers students paste in).

# %% implement-FullyConnectedLayer
class FullyConnectedLayer(object):
    def __init__(self, input_size, output_size, activator, learning_rate):
        self.input_size = input_size
        self.output_size = output_size
        self.activator = activator
        self.learning_rate = learning_rate
        self.W = np.random.uniform(-1e-4, 1e-4, (output_size, input_size))
        self.b = np.zeros((output_size, 1))
        self.W_grad = np.zeros((output_size, input_size))
        self.b_grad = np.zeros((output_size, 1))
        self.output_array = np.zeros((output_size, 1))

    def forward(self, input_array):
        self.input_array = input_array
        self.output_array = self.activator.forward(np.dot(self.W, input_array) + self.b)
        #> return self.output_array

    def backward(self, input_array, sensitivity_array, activator):
        self.forward(input_array)
        self.bp_sensitivity_map(sensitivity_array, activator)
        self.bp_gradient(sensitivity_array)

    def bp_sensitivity_map(self, sensitivity_array, activator):
        self.delta_array = activator.backward(self.input_array) * np.dot(self.W.T, sensitivity_array)
        #> return self.delta_array

    def bp_gradient(self, sensitivity_array):
        self.W_grad = np.dot(sensitivity_array, self.input_array.T)
        self.b_grad = sensitivity_array

    def update(self):
        self.W -= self.learning_rate * self.W_grad
        self.b -= self.learning_rate * self.b_grad

# %% implement-Flatten
class Flatten(object):
    def forward(self, input_array):
        self.input_shape = input_array.shape
        self.output_array = input_array.reshape(-1, 1)
        #> return self.output_array

    def backward(self, sensitivity_array):
        self.delta_array = sensitivity_array.reshape(self.input_shape)
        #> return self.delta_array

# %% implement-SoftmaxCrossEntropy
class SoftmaxCrossEntropy(object):
    def forward(self, logits, label):
        self.label = label
        shifted = logits - logits.max()
        exps = np.exp(shifted)
        self.probabilities = exps / exps.sum()
        self.loss = float(np.log(exps.sum()) - shifted[label, 0])
        #> return self.loss

    def backward(self):
        self.delta_array = self.probabilities.copy()
        self.delta_array[self.label, 0] -= 1
        #> return self.delta_array

# %% implement-output_shapes-count_parameters
def output_shapes(input_shape, layers):
    shapes = []
    shape = tuple(input_shape)
    for layer in layers:
        kind = layer["type"]
        if kind == "conv":
            size = lambda n: (n - layer["kernel"] + 2 * layer["padding"]) // layer["stride"] + 1
            shape = (layer["filters"], size(shape[1]), size(shape[2]))
        elif kind == "maxpool":
            shape = (shape[0], shape[1] // layer["size"], shape[2] // layer["size"])
        elif kind == "globalavgpool":
            shape = (shape[0],)
        else:
            shape = (layer["units"],)
        shapes.append(shape)
    return shapes


def count_parameters(input_shape, layers):
    total = 0
    shape = tuple(input_shape)
    for layer, next_shape in zip(layers, output_shapes(input_shape, layers)):
        if layer["type"] == "conv":
            total += (shape[0] * layer["kernel"] ** 2 + 1) * layer["filters"]
        if layer["type"] == "dense":
            total += (int(np.prod(shape)) + 1) * layer["units"]
        shape = next_shape
    return total

# %% implement-keras_example_parameters
keras_example_parameters = 208 + 2080 + 8256 + 8645

# %% implement-fc_as_conv-conv1x1_as_fc
def fc_as_conv(W, b, input_shape):
    return W.reshape((W.shape[0],) + tuple(input_shape)), b.reshape(-1)


def conv1x1_as_fc(weights, biases):
    return weights.reshape(weights.shape[0], weights.shape[1]), biases.reshape(-1, 1)

# %% implement-LeNet
class LeNet(object):
    def __init__(self, learning_rate, seed):
        np.random.seed(seed)
        self.conv = ConvLayer(8, 8, 1, 3, 3, 6, 0, 1, ReluActivator(), learning_rate)
        self.pool = MaxPoolingLayer(6, 6, 6, 2, 2, 2)
        self.flatten = Flatten()
        self.fc1 = FullyConnectedLayer(54, 64, ReluActivator(), learning_rate)
        self.fc2 = FullyConnectedLayer(64, 10, IdentityActivator(), learning_rate)
        self.cost = SoftmaxCrossEntropy()
        for f in self.conv.filters:
            f.weights = np.random.randn(1, 3, 3) * np.sqrt(2.0 / 9)
        self.fc1.W = np.random.randn(64, 54) * np.sqrt(2.0 / 54)
        self.fc2.W = np.random.randn(10, 64) * np.sqrt(2.0 / 64)

    def layers(self):
        return [self.conv, self.pool, self.flatten, self.fc1, self.fc2, self.cost]

    def forward(self, image):
        self.conv.forward(image)
        self.pool.forward(self.conv.output_array)
        self.flatten.forward(self.pool.output_array)
        self.fc1.forward(self.flatten.output_array)
        self.fc2.forward(self.fc1.output_array)
        return self.fc2.output_array

    def loss(self, image, label):
        self.cost.forward(self.forward(image), label)
        return self.cost.loss

    def backward(self):
        self.cost.backward()
        self.fc2.bp_sensitivity_map(self.cost.delta_array, ReluActivator())
        self.fc2.bp_gradient(self.cost.delta_array)
        self.fc1.bp_sensitivity_map(self.fc2.delta_array, IdentityActivator())
        self.fc1.bp_gradient(self.fc2.delta_array)
        self.flatten.backward(self.fc1.delta_array)
        self.pool.backward(self.conv.output_array, self.flatten.delta_array)
        delta = self.pool.delta_array * ReluActivator().backward(self.conv.output_array)
        self.conv.bp_sensitivity_map(delta, IdentityActivator())
        self.conv.bp_gradient(delta)

    def step(self, image, label):
        value = self.loss(image, label)
        self.backward()
        for layer in (self.conv, self.fc1, self.fc2):
            layer.update()
        return value

    def train(self, images, labels, epochs, learning_rate):
        for layer in (self.conv, self.fc1, self.fc2):
            layer.learning_rate = learning_rate
        self.losses = []
        for epoch in range(epochs):
            total = 0.0
            for image, label in zip(images, labels):
                total += self.step(image, label)
            self.losses.append(total / len(images))
        return self.losses

    def predict(self, images):
        return np.array([np.argmax(self.forward(image)) for image in images])
