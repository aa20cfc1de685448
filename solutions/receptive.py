"""Receptive fields of stacked convolutions and the cost of Inception's 1x1 reductions."""


def receptive_field(layers):
    """layers: (kernel, stride, dilation) per layer, first layer first -> (size, jump) of one output in the input.

    Each layer widens the field by (its effective kernel - 1) times the jump: the input distance between two
    neighbouring positions of the layer's own input."""
    size, jump = 1, 1
    for kernel, stride, dilation in layers:
        size += dilation * (kernel - 1) * jump
        jump *= stride
    return size, jump


def bottleneck_cost(input_shape, filters, kernel, reduction=None):
    """-> (multiplications, parameters) of a kernel x kernel 'same' convolution with `filters` filters on input_shape
    (channels, height, width), stride 1, preceded by a 1x1 convolution to `reduction` channels when given.

    Multiplications count no biases; parameters count every weight and bias."""
    channels, height, width = input_shape
    multiplications, parameters = 0, 0
    if reduction is not None:
        multiplications += height * width * reduction * channels
        parameters += reduction * (channels + 1)
        channels = reduction
    multiplications += height * width * filters * channels * kernel * kernel
    parameters += filters * (channels * kernel * kernel + 1)
    return multiplications, parameters


# Answers: (size, jump) of two stacked 3 x 3 convolutions (stride 1, no dilation), and of the seed's 1-d stack of
# three kernel-3 layers.
rf_two_3x3 = (5, 1)
rf_three_k3 = (7, 1)
