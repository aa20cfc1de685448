"""The likely mistakes the checks can recognise, each with the advice a student can act on."""

MISTAKES = {
    # activators
    "relu_not_applied": "ReLU not applied: the input came back unchanged. Return max(0, x) elementwise (np.maximum).",
    "relu_abs": "ReLU computed as |x|: negative inputs must become 0, not positive.",
    "relu_min": "ReLU computed with min instead of max: return max(0, x).",
    "derivative_instead_of_value": "returned the derivative (0/1) instead of the value max(0, x).",
    "relu_derivative_at_zero": "derivative is 1 where the output is 0; it must be 1 only where output > 0.",
    "value_instead_of_derivative": "returned the value instead of the derivative.",
    "identity_derivative": "returned ones: that is the identity's derivative, not ReLU's (1 where output > 0, else 0).",
    "modified_input": "changed its argument in place; compute a new array and leave the input untouched.",
    # filters
    "width_height_swapped": ("width and height swapped: arrays are (depth/channels, height, width); heights go with "
                             "rows (axis 1), widths with columns (axis 2)."),
    "filter_axes": "weights have the right sizes in the wrong order: the shape must be (depth, height, width).",
    "weights_not_random": "all weights are equal: initialise them with small random values (e.g. uniform in [-1e-4, 1e-4]).",
    "weights_too_large": "weights are not small: initialise them with small random values (e.g. uniform in [-1e-4, 1e-4]).",
    "update_sign": "update sign wrong: gradient descent subtracts learning_rate * gradient.",
    "learning_rate_ignored": "learning rate ignored: the step is learning_rate * gradient, not the gradient itself.",
    "weights_not_updated": "weights were not changed by update().",
    "bias_not_updated": "bias was not changed by update(): it takes a step with bias_grad too.",
    # output size
    "float_size": "the size is a float: use integer division // so that it can be used as an array dimension.",
    "true_division": "used / instead of //: the number of positions is floor((W - F + 2P) / S) + 1.",
    "rounded_up": "rounded up: the number of positions is floor((W - F + 2P) / S) + 1, rounded down.",
    "padding_once": "padding counted once: zero padding adds P zeros on BOTH sides, so it is W - F + 2P.",
    "stride_ignored": ("stride ignored: your code behaves as if the stride were 1. Move the window by `stride` "
                       "positions: output row i covers input rows i*stride ... i*stride + filter_height - 1."),
    "padding_ignored": ("padding ignored: your code behaves as if zero_padding were 0. Surround the input with "
                        "zero_padding rings of zeros (np.pad) before sliding the filters."),
    # conv forward
    "kernel_flipped": ("kernel flipped: your output is a true convolution (the filter rotated by 180 degrees). A conv "
                       "layer computes a cross-correlation: multiply each window by the filter as it is."),
    "bias_missing": "bias missing: your output matches the result without biases. Add each filter's bias to its feature map.",
    "activator_not_applied": "activator not applied: your output is the weighted input; pass it through the activator.",
    "integer_output": ("integer output: the array holding the result has an integer dtype, so values were truncated. "
                       "Create it as float (np.zeros(shape) is float64)."),
    "float32_output": "float32 output: compute in float64 (numpy's default) to match the reference.",
    # backpropagation
    "kernel_not_rotated": ("kernel not rotated: the input gradient is a full cross-correlation of the expanded "
                           "sensitivity map with each filter rotated by 180 degrees (or: each output's sensitivity "
                           "spreads over its window with the filter as it is). If your forward flips the filter too, "
                           "fix the forward first."),
    "sensitivity_not_expanded": ("sensitivity map not expanded for the stride: put each sensitivity at position "
                                 "(i*stride, j*stride) of a zero map of the stride-1 output size before backpropagating."),
    "full_padding_swapped": ("height and width mixed up in the full convolution's padding: pad the expanded "
                             "sensitivity map with filter_height - 1 rows and filter_width - 1 columns of zeros on "
                             "every side (the two differ when the filter is not square)."),
    "padding_cropped_wrong_offset": ("padding cropped at the wrong offset: the input's gradient starts zero_padding "
                                     "rows and columns into the padded one: take rows P ... P + H - 1 and columns "
                                     "P ... P + W - 1."),
    "padding_not_removed": ("padding not removed from delta_array: the gradient comes out for the padded input; cut "
                            "zero_padding rows and columns off every side so it has the input's shape."),
    "activator_derivative_missing": ("activator derivative missing: delta_array is the input gradient times "
                                     "activator.backward(input_array), the previous layer's derivative."),
    "derivative_of_wrong_array": ("activator derivative applied to the wrong array: multiply by "
                                  "activator.backward(input_array), the derivative at the previous layer's output."),
    "gradient_rotated": "weights_grad rotated: the weight gradient uses the filter positions as they are, no 180-degree turn.",
    "bias_grad_not_computed": ("bias_grad was not computed (it still holds its initial value): bp_gradient sets each "
                               "filter's bias_grad to the sum of that filter's sensitivity map."),
    "bias_not_summed": "bias gradient not summed: bias_grad is the sum of the filter's whole sensitivity map, one number.",
    # gradient checking
    "x_not_restored": "x not restored: put every element back after perturbing it (the caller's array must not change).",
    "forward_difference": ("forward difference: use the central difference (f(x + h) - f(x - h)) / (2h); it is "
                           "accurate to O(h^2) instead of O(h)."),
    "not_halved": "central difference not halved: divide f(x + h) - f(x - h) by 2h, not by h.",
    "relative_error_no_floor": ("no floor in the denominator: where a and b are both 0 you divide 0 by 0; use "
                                "max(1e-8, |a| + |b|)."),
    "relative_error_mean": "mean instead of max: the relative error is the largest elementwise value, one number.",
    "relative_error_one_sided": "one-sided denominator: divide by |a| + |b| (with the 1e-8 floor), not by |b| alone.",
    # pooling
    "mean_instead_of_max": "averaged instead of taking the maximum: max pooling keeps each window's largest value.",
    "max_instead_of_mean": "took the maximum instead of averaging: mean pooling keeps each window's mean.",
    "output_size_off_by_one": ("output size off by one: the number of windows is floor((W - F) / S) + 1; a last, "
                               "incomplete window is dropped, not kept."),
    "gradient_assigned": ("gradient assigned instead of accumulated: where windows overlap (stride < window), an "
                          "input receives from several outputs; add (+=) the contributions instead of overwriting."),
    "mean_copied": ("mean gradient copied instead of divided: each of the F_h x F_w cells gets sensitivity / (F_h * F_w), "
                    "so the total is preserved."),
    "max_wrong_position": ("max routed to the wrong position: each output's gradient goes to the cell of its window "
                           "that held the maximum in the forward pass (row = i*stride + u, column = j*stride + v)."),
    "max_tie_last": ("ties routed to the last maximum: when a window holds several equal maxima, the course's convention "
                     "is the first one in row-major order (np.argmax gives it)."),
    "max_ties_all": ("every tied maximum receives the gradient: when a window holds several equal maxima, only "
                     "one of them (the first in row-major order, np.argmax) was the output, so only it gets the "
                     "gradient."),
    "invariance_shifts": "list every shift after which the pooled map is the same, including 0.",
    # numeric answers
    "shape_order": "the right numbers in the wrong order: give (filters, height, width).",
    "parameters_without_bias": "biases forgotten: every filter has one bias besides its weights.",
    "parameters_without_channels": "channels forgotten: each filter has F x F weights per input channel.",
    # assignment 4: fully connected layers, flatten, softmax cross-entropy, the network
    "fc_bias_missing": "bias missing: your output matches W @ input without b. Add the bias column b.",
    "fc_weight_grad_transposed": ("W_grad transposed: it must have W's shape (output_size, input_size), "
                                  "W_grad = sensitivity_array @ input_array.T, not input_array @ sensitivity_array.T."),
    "fc_bias_grad_wrong_axis": ("bias gradient summed over the wrong axis: for one example b_grad is the sensitivity "
                                "column itself, shape (output_size, 1); summing over axis 0 adds up the outputs."),
    "flatten_not_c_order": ("flattened in another order: flatten in C order (channels, then rows, then columns), "
                            "as np.reshape(input_array, (-1, 1)) does."),
    "flatten_order_mismatch": ("flatten order different in forward and backward: backward must undo forward, so "
                               "reshape the sensitivities back with the same (C) order to input_shape."),
    "softmax_overflow": ("softmax without subtracting the maximum: exp overflows on large logits (inf / inf = nan). "
                         "Subtract max(logits) before exp; the probabilities do not change."),
    "ce_gradient_sign": ("cross-entropy gradient with the wrong sign: dLoss/dlogits = probabilities - one_hot(label), "
                         "not one_hot(label) - probabilities."),
    "ce_gradient_no_label": ("cross-entropy gradient without subtracting the one-hot label: dLoss/dlogits = "
                             "probabilities - one_hot(label), so subtract 1 at the label's row."),
    "step_without_update": ("step did not change the weights: after forward and backward, call update() on every "
                            "layer that has parameters."),
    "step_update_sign": ("step moved the weights uphill: gradient descent subtracts learning_rate * gradient "
                         "(check the learning rate's sign)."),
    # assignment 5: dilated and transposed convolutions, batch normalization, receptive fields
    "dilation_ignored": ("dilation ignored: your code behaves as if dilation were 1. Filter tap (u, v) of output "
                         "(i, j) reads input (i*stride + u*dilation, j*stride + v*dilation) of the padded input."),
    "dilation_on_input": ("dilation applied to the input instead of the kernel: zeros were inserted between the "
                          "input's values. A dilated convolution spreads the filter's taps dilation positions apart "
                          "and reads the input as it is."),
    "transposed_kernel_not_rotated": ("transposed convolution computed as a plain cross-correlation with the kernel "
                                      "not rotated: after inserting zeros and padding, cross-correlate with each "
                                      "filter rotated by 180 degrees (or: stamp each input value times the filter as "
                                      "it is)."),
    "zeros_after_last": ("zeros inserted after the last row and column too: stride - 1 zeros go only between "
                         "neighbouring values, so an H x W input becomes ((H - 1)S + 1) x ((W - 1)S + 1), not "
                         "SH x SW; the output size is (W - 1)S - 2P + F + output_padding."),
    "bn_unbiased_variance": ("unbiased variance used to normalize: in training, batch normalization divides by the "
                             "biased batch variance (sum of squares / n); only the running variance is updated with "
                             "the unbiased estimate (/ (n - 1))."),
    "bn_eval_batch_statistics": ("evaluation mode used the batch's statistics: with training=False, normalize with "
                                 "running_mean and running_var, so a prediction does not depend on its batch."),
    "bn_running_not_updated": ("running statistics never updated: every training forward sets running = "
                               "(1 - momentum) * running + momentum * batch statistic (the variance unbiased)."),
    "bn_backward_terms_missing": ("batch-norm backward treats the batch mean and variance as constants: the input "
                                  "gradient also has a term through the mean and one through the variance (the "
                                  "statistics are computed from x), not just gamma * delta / sqrt(var + eps)."),
    "rf_strides_ignored": ("receptive field ignoring earlier strides: each layer widens the field by "
                           "dilation * (kernel - 1) times the jump, the product of the strides of the layers below it."),
}


LIKELY = " Likely mistake: "


def advice(mistake: str | None) -> str:
    """' Likely mistake: <advice>' or ''."""
    return f"{LIKELY}{MISTAKES[mistake]}" if mistake else ""


def short_name(mistake: str) -> str:
    """'kernel flipped' for 'kernel_flipped': the words before the advice's first colon."""
    return MISTAKES[mistake].split(":", 1)[0].strip()


def named_in(message: str) -> str | None:
    """The short name of the likely mistake a message gives ('kernel flipped'), or None."""
    if LIKELY not in message:
        return None
    return message.split(LIKELY, 1)[1].split(":", 1)[0].strip()
