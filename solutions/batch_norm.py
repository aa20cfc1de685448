"""Batch normalization for conv feature maps in numpy, vectorized: one mean and variance per channel."""

import numpy as np


class BatchNorm:
    """Normalizes each channel over (batch, height, width), then scales by gamma and shifts by beta."""

    def __init__(self, channel_number, eps=1e-5, momentum=0.1):
        """gamma ones, beta zeros, running_mean zeros, running_var ones, each of shape (channel_number,)."""
        self.channel_number = channel_number
        self.eps = eps
        self.momentum = momentum
        self.gamma = np.ones(channel_number)
        self.beta = np.zeros(channel_number)
        self.running_mean = np.zeros(channel_number)
        self.running_var = np.ones(channel_number)

    def forward(self, x, training):
        """x (batch, channels, height, width) -> output_array of the same shape.

        training: batch statistics (biased variance), and running statistics updated with momentum (the variance
        with the unbiased estimate); otherwise the running statistics. Keep the result in self.output_array and
        return it. Training on a single value per channel raises ValueError."""
        x = np.asarray(x, dtype=float)
        if training:
            count = x.size // x.shape[1]
            if count < 2:
                raise ValueError(f"expected more than 1 value per channel when training, got input of shape {x.shape}")
            mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * count / (count - 1)
        else:
            mean, var = self.running_mean, self.running_var
        self.inverse_std = 1 / np.sqrt(var + self.eps)
        self.normalized = (x - mean[None, :, None, None]) * self.inverse_std[None, :, None, None]
        self.output_array = self.gamma[None, :, None, None] * self.normalized + self.beta[None, :, None, None]
        return self.output_array

    def backward(self, sensitivity_array):
        """sensitivity_array dLoss/d(output), after a training forward -> delta_array dLoss/dx (also stored).

        Also stores gamma_grad and beta_grad, each of shape (channels,). The batch mean and variance depend on x,
        so the input gradient has a term through each of them besides the direct one."""
        dy = np.asarray(sensitivity_array, dtype=float)
        self.gamma_grad = (dy * self.normalized).sum(axis=(0, 2, 3))
        self.beta_grad = dy.sum(axis=(0, 2, 3))
        mean_dy = dy.mean(axis=(0, 2, 3), keepdims=True)
        mean_dy_xhat = (dy * self.normalized).mean(axis=(0, 2, 3), keepdims=True)
        scale = (self.gamma * self.inverse_std)[None, :, None, None]
        self.delta_array = scale * (dy - mean_dy - self.normalized * mean_dy_xhat)
        return self.delta_array
