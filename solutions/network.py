"""A LeNet-style network of the course's own layers, counting parameters, and FC layers as convolutions."""

import numpy as np

from solutions.activators import IdentityActivator, ReluActivator
from solutions.conv import ConvLayer
from solutions.fully_connected import Flatten, FullyConnectedLayer, SoftmaxCrossEntropy
from solutions.pooling import MaxPoolingLayer


class LeNet:
    """conv 3x3 (6 filters, ReLU) -> max pool 2x2 -> flatten -> FC 54->64 (ReLU) -> FC 64->10 -> softmax CE."""

    def __init__(self, learning_rate, seed):
        """Build the six layers for (1, 8, 8) images and give the weights He initial values drawn from seed.

        The tests read and set the weights through the layers' documented attributes: filters[k].weights,
        filters[k].bias, W and b."""
        self.conv = ConvLayer(8, 8, 1, 3, 3, 6, 0, 1, ReluActivator(), learning_rate)
        self.pool = MaxPoolingLayer(6, 6, 6, 2, 2, 2)
        self.flatten = Flatten()
        self.hidden = FullyConnectedLayer(54, 64, ReluActivator(), learning_rate)
        self.output = FullyConnectedLayer(64, 10, IdentityActivator(), learning_rate)
        self.loss_layer = SoftmaxCrossEntropy()
        rng = np.random.default_rng(seed)
        for f in self.conv.filters:
            f.weights = rng.normal(0.0, np.sqrt(2.0 / 9), f.weights.shape)
            f.bias = 0.0
        self.hidden.W = rng.normal(0.0, np.sqrt(2.0 / 54), (64, 54))
        self.output.W = rng.normal(0.0, np.sqrt(2.0 / 64), (10, 64))

    def layers(self):
        """-> the six layers in order, the loss layer last."""
        return [self.conv, self.pool, self.flatten, self.hidden, self.output, self.loss_layer]

    def forward(self, image):
        """image (1, 8, 8) -> logits (10, 1)."""
        self.conv.forward(image)
        self.pool.forward(self.conv.output_array)
        self.flatten.forward(self.pool.output_array)
        self.hidden.forward(self.flatten.output_array)
        self.output.forward(self.hidden.output_array)
        return self.output.output_array

    def loss(self, image, label):
        """-> the softmax cross-entropy of the logits of image against label, a float."""
        self.image = image
        return self.loss_layer.forward(self.forward(image), label)

    def backward(self):
        """After loss: every layer's gradients (filters' weights_grad and bias_grad, W_grad and b_grad)."""
        identity, relu = IdentityActivator(), ReluActivator()
        logits_grad = self.loss_layer.backward()
        self.output.bp_sensitivity_map(logits_grad, relu)
        self.output.bp_gradient(logits_grad)
        self.hidden.bp_sensitivity_map(self.output.delta_array, identity)
        self.hidden.bp_gradient(self.output.delta_array)
        self.flatten.backward(self.hidden.delta_array)
        self.pool.backward(self.conv.output_array, self.flatten.delta_array)
        conv_sensitivity = self.pool.delta_array * relu.backward(self.conv.output_array)
        self.conv.bp_sensitivity_map(conv_sensitivity, identity)
        self.conv.bp_gradient(conv_sensitivity)

    def step(self, image, label):
        """One forward, backward and update of every layer on one example -> the loss before the update."""
        loss = self.loss(image, label)
        self.backward()
        for layer in (self.conv, self.hidden, self.output):
            layer.update()
        return loss

    def train(self, images, labels, epochs, learning_rate):
        """Plain constant-rate SGD, one example at a time in the given order -> the mean loss of each epoch.

        The list is kept in self.losses as well."""
        for layer in (self.conv, self.hidden, self.output):
            layer.learning_rate = learning_rate
        self.losses = []
        for _ in range(epochs):
            total = sum(self.step(image, label) for image, label in zip(images, labels))
            self.losses.append(total / len(images))
        return self.losses

    def predict(self, images):
        """images (N, 1, 8, 8) -> (N,) integer classes, the largest logit of each."""
        return np.array([int(np.argmax(self.forward(image))) for image in images], dtype=int)


def output_shapes(input_shape, layers):
    """input_shape (channels, height, width), layers (dicts) -> one output shape tuple per layer."""
    shape, shapes = tuple(input_shape), []
    for layer in layers:
        if layer["type"] == "conv":
            k, s, p = layer["kernel"], layer["stride"], layer["padding"]
            shape = (layer["filters"], (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1)
        elif layer["type"] == "maxpool":
            size = layer["size"]
            shape = (shape[0], (shape[1] - size) // size + 1, (shape[2] - size) // size + 1)
        elif layer["type"] == "globalavgpool":
            shape = (shape[0],)
        else:
            shape = (layer["units"],)
        shapes.append(shape)
    return shapes


def count_parameters(input_shape, layers):
    """input_shape (channels, height, width), layers (dicts) -> the number of weights and biases, an int."""
    total, shape = 0, tuple(input_shape)
    for layer, out in zip(layers, output_shapes(input_shape, layers)):
        if layer["type"] == "conv":
            total += layer["filters"] * (shape[0] * layer["kernel"] ** 2 + 1)
        elif layer["type"] == "dense":
            total += layer["units"] * (int(np.prod(shape)) + 1)
        shape = out
    return int(total)


# The seed's Keras example on a (3, 224, 224) input: conv 16 2x2, pool 2, conv 32 2x2, pool 2, conv 64 2x2,
# pool 2, global average pooling, dense 133.
keras_example_parameters = 208 + 2080 + 8256 + 8645


def fc_as_conv(W, b, input_shape):
    """W (output_size, C*H*W), b (output_size, 1), input_shape (C, H, W) -> (weights (output_size, C, H, W),
    biases (output_size,)) of a conv layer whose output on the input equals the FC layer's on the flattened input."""
    return np.reshape(W, (np.shape(W)[0], *input_shape)).copy(), np.reshape(b, -1).copy()


def conv1x1_as_fc(weights, biases):
    """weights (K, C, 1, 1), biases (K,) -> (W (K, C), b (K, 1)): the FC layer a 1x1 conv applies at every pixel."""
    return np.reshape(weights, np.shape(weights)[:2]).copy(), np.reshape(biases, (-1, 1)).copy()
