"""Answers to the numeric questions, one constant per question."""

# Assignment 1: a ConvLayer on a 3 x 28 x 20 input (channels, height, width) with 16 filters of
# height 5 and width 3, zero padding 1, stride 2.
output_shape = (16, 13, 10)

# Assignment 1: parameters of a ConvLayer on 3-channel input with 16 filters of 5 x 5.
parameter_count = 16 * (5 * 5 * 3) + 16
