"""Fully connected layers, flattening and the softmax cross-entropy loss in numpy, vectorized."""

import numpy as np


class FullyConnectedLayer:
    """output = activator(W @ input + b) on a column vector; W (output_size, input_size), b (output_size, 1)."""

    def __init__(self, input_size, output_size, activator, learning_rate):
        """Small random W (output_size, input_size), zero b (output_size, 1), zero gradients and output.

        The tests read (and set) these attributes by name: self.W, self.b, self.W_grad, self.b_grad."""
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
        """input_array (input_size, 1) -> output_array (output_size, 1), activated.

        Keep input_array in self.input_array and the result in self.output_array; returning it as well is fine."""
        self.input_array = input_array
        self.output_array = self.activator.forward(self.W @ input_array + self.b)
        return self.output_array

    def backward(self, input_array, sensitivity_array, activator):
        """Forward on input_array, then delta_array for the previous layer and the gradients of W and b.

        sensitivity_array (output_size, 1): dLoss/d(this layer's weighted input);
        activator: the PREVIOUS layer's activator, whose output input_array is."""
        self.forward(input_array)
        self.bp_sensitivity_map(sensitivity_array, activator)
        self.bp_gradient(sensitivity_array)

    def bp_sensitivity_map(self, sensitivity_array, activator):
        """sensitivity_array (output_size, 1) -> delta_array (input_size, 1), dLoss/d(previous weighted input).

        Keep the result in self.delta_array; returning it as well is fine."""
        self.delta_array = (self.W.T @ sensitivity_array) * activator.backward(self.input_array)
        return self.delta_array

    def bp_gradient(self, sensitivity_array):
        """W_grad (output_size, input_size) and b_grad (output_size, 1) from sensitivity_array (output_size, 1)."""
        self.W_grad = sensitivity_array @ self.input_array.T
        self.b_grad = np.array(sensitivity_array, dtype=float).reshape(self.output_size, 1)

    def update(self):
        """One gradient-descent step on W and b with the layer's learning rate."""
        self.W -= self.learning_rate * self.W_grad
        self.b -= self.learning_rate * self.b_grad


class Flatten:
    """(channels, height, width) -> a column (channels * height * width, 1) in C order, and back."""

    def forward(self, input_array):
        """input_array (channels, height, width) -> output_array (channels * height * width, 1).

        Keep the input's shape in self.input_shape and the result in self.output_array; returning it is fine."""
        self.input_shape = np.shape(input_array)
        self.output_array = np.reshape(input_array, (-1, 1))
        return self.output_array

    def backward(self, sensitivity_array):
        """sensitivity_array (channels * height * width, 1) -> delta_array (channels, height, width).

        Keep the result in self.delta_array; returning it as well is fine."""
        self.delta_array = np.reshape(sensitivity_array, self.input_shape)
        return self.delta_array


class SoftmaxCrossEntropy:
    """The loss of a column of logits against one class index: -log softmax(logits)[label]."""

    def forward(self, logits, label):
        """logits (classes, 1), label an int -> loss, a float, finite for any logits within +-1000.

        Keep the loss in self.loss and softmax(logits) (classes, 1) in self.probabilities; returning the loss is fine."""
        self.label = int(label)
        shifted = logits - np.max(logits)  # exp never overflows: the largest exponent is 0
        log_probabilities = shifted - np.log(np.sum(np.exp(shifted)))
        self.probabilities = np.exp(log_probabilities)
        self.loss = float(-log_probabilities[self.label, 0])
        return self.loss

    def backward(self):
        """-> delta_array (classes, 1) = dLoss/dlogits = probabilities - one_hot(label).

        Keep the result in self.delta_array; returning it as well is fine."""
        self.delta_array = self.probabilities.copy()
        self.delta_array[self.label, 0] -= 1.0
        return self.delta_array
