"""Answers to the numeric questions, one constant per question."""

# Assignment 1: a ConvLayer on a 3 x 28 x 20 input (channels, height, width) with 16 filters of
# height 5 and width 3, zero padding 1, stride 2.
output_shape = (16, 13, 10)

# Assignment 1: parameters of a ConvLayer on 3-channel input with 16 filters of 5 x 5.
parameter_count = 16 * (5 * 5 * 3) + 16

# Assignment 3: the horizontal shifts (positive = to the right) of the one-pixel image in the notebook after
# which 2 x 2 max pooling with stride 2 gives the same map.
invariant_shifts = [-1, 0]
