# Assignment 4 written the way many students write it: loops over outputs and inputs, the layers of assignments
# 1-3 pasted in from ../a1, ../a2 and ../a3. samples.yml plants bugs in copies of it.

# %% implement-FullyConnectedLayer
class FullyConnectedLayer:
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
        z = np.zeros((self.output_size, 1))
        for i in range(self.output_size):
            total = self.b[i, 0]
            for j in range(self.input_size):
                total += self.W[i, j] * input_array[j, 0]
            z[i, 0] = total
        self.output_array = self.activator.forward(z)
        return self.output_array

    def backward(self, input_array, sensitivity_array, activator):
        self.forward(input_array)
        self.bp_sensitivity_map(sensitivity_array, activator)
        self.bp_gradient(sensitivity_array)

    def bp_sensitivity_map(self, sensitivity_array, activator):
        delta = np.zeros((self.input_size, 1))
        for j in range(self.input_size):
            for i in range(self.output_size):
                delta[j, 0] += self.W[i, j] * sensitivity_array[i, 0]
        self.delta_array = delta * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        self.W_grad = np.dot(sensitivity_array, self.input_array.T)
        self.b_grad = sensitivity_array.copy()

    def update(self):
        self.W -= self.learning_rate * self.W_grad
        self.b -= self.learning_rate * self.b_grad

# %% implement-Flatten
class Flatten:
    def forward(self, input_array):
        self.input_shape = input_array.shape
        self.output_array = input_array.reshape(-1, 1)
        return self.output_array

    def backward(self, sensitivity_array):
        self.delta_array = sensitivity_array.reshape(self.input_shape)
        return self.delta_array

# %% implement-SoftmaxCrossEntropy
class SoftmaxCrossEntropy:
    def forward(self, logits, label):
        self.label = label
        exp = np.exp(logits - np.max(logits))
        self.probabilities = exp / np.sum(exp)
        self.loss = float(np.max(logits) + np.log(np.sum(exp)) - logits[label, 0])
        return self.loss

    def backward(self):
        one_hot = np.zeros(self.probabilities.shape)
        one_hot[self.label, 0] = 1
        self.delta_array = self.probabilities - one_hot
        return self.delta_array

# %% implement-output_shapes-count_parameters
def output_shapes(input_shape, layers):
    c, h, w = input_shape
    shapes = []
    flat = None
    for layer in layers:
        if layer["type"] == "conv":
            h = (h - layer["kernel"] + 2 * layer["padding"]) // layer["stride"] + 1
            w = (w - layer["kernel"] + 2 * layer["padding"]) // layer["stride"] + 1
            c = layer["filters"]
            shapes.append((c, h, w))
        elif layer["type"] == "maxpool":
            h, w = h // layer["size"], w // layer["size"]
            shapes.append((c, h, w))
        elif layer["type"] == "globalavgpool":
            flat = c
            shapes.append((c,))
        else:
            flat = layer["units"]
            shapes.append((flat,))
    return shapes


def count_parameters(input_shape, layers):
    total = 0
    previous = tuple(input_shape)
    for layer, shape in zip(layers, output_shapes(input_shape, layers)):
        if layer["type"] == "conv":
            total += layer["filters"] * (previous[0] * layer["kernel"] * layer["kernel"] + 1)
        elif layer["type"] == "dense":
            inputs = 1
            for n in previous:
                inputs *= n
            total += layer["units"] * (inputs + 1)
        previous = shape
    return total

# %% implement-keras_example_parameters
keras_example_parameters = 19189

# %% implement-fc_as_conv-conv1x1_as_fc
def fc_as_conv(W, b, input_shape):
    c, h, w = input_shape
    weights = np.zeros((W.shape[0], c, h, w))
    for k in range(W.shape[0]):
        weights[k] = W[k].reshape(c, h, w)
    return weights, b[:, 0].copy()


def conv1x1_as_fc(weights, biases):
    return weights[:, :, 0, 0].copy(), biases.reshape(-1, 1).copy()

# %% implement-LeNet
class LeNet:
    def __init__(self, learning_rate, seed):
        rate = learning_rate
        self.conv = ConvLayer(8, 8, 1, 3, 3, 6, 0, 1, ReluActivator(), rate)
        self.pool = MaxPoolingLayer(6, 6, 6, 2, 2, 2)
        self.flat = Flatten()
        self.fc1 = FullyConnectedLayer(54, 64, ReluActivator(), rate)
        self.fc2 = FullyConnectedLayer(64, 10, IdentityActivator(), rate)
        self.loss_layer = SoftmaxCrossEntropy()
        rng = np.random.default_rng(seed)
        for f in self.conv.filters:
            f.weights = rng.normal(0, np.sqrt(2 / 9), (1, 3, 3))
            f.bias = 0.0
        self.fc1.W = rng.normal(0, np.sqrt(2 / 54), (64, 54))
        self.fc2.W = rng.normal(0, np.sqrt(2 / 64), (10, 64))

    def layers(self):
        return [self.conv, self.pool, self.flat, self.fc1, self.fc2, self.loss_layer]

    def forward(self, image):
        self.conv.forward(image)
        self.pool.forward(self.conv.output_array)
        self.flat.forward(self.pool.output_array)
        self.fc1.forward(self.flat.output_array)
        self.fc2.forward(self.fc1.output_array)
        return self.fc2.output_array

    def loss(self, image, label):
        return self.loss_layer.forward(self.forward(image), label)

    def backward(self):
        delta = self.loss_layer.backward()
        self.fc2.bp_sensitivity_map(delta, ReluActivator())
        self.fc2.bp_gradient(delta)
        self.fc1.bp_sensitivity_map(self.fc2.delta_array, IdentityActivator())
        self.fc1.bp_gradient(self.fc2.delta_array)
        self.flat.backward(self.fc1.delta_array)
        self.pool.backward(self.conv.output_array, self.flat.delta_array)
        sensitivity = self.pool.delta_array * ReluActivator().backward(self.conv.output_array)
        self.conv.bp_sensitivity_map(sensitivity, IdentityActivator())
        self.conv.bp_gradient(sensitivity)

    def step(self, image, label):
        loss = self.loss(image, label)
        self.backward()
        self.conv.update()
        self.fc1.update()
        self.fc2.update()
        return loss

    def train(self, images, labels, epochs, learning_rate):
        self.conv.learning_rate = learning_rate
        self.fc1.learning_rate = learning_rate
        self.fc2.learning_rate = learning_rate
        self.losses = []
        for epoch in range(epochs):
            total = 0.0
            for i in range(len(images)):
                total += self.step(images[i], labels[i])
            self.losses.append(total / len(images))
        return self.losses

    def predict(self, images):
        predictions = []
        for image in images:
            predictions.append(int(np.argmax(self.forward(image))))
        return np.array(predictions)
