package groundup.nn;

import groundup.tensor.Tensor;

/**
 * A trainable tensor with its gradient, as layers expose them to optimizers (which never
 * look a parameter up by name). {@code decays}: weight decay applies (weights, not biases
 * or batch-norm scales and shifts, as in the book).
 */
public record Parameter(String name, Tensor value, Tensor grad, boolean decays) {}
