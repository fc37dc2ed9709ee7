package groundup.nn;

import groundup.tensor.Tensor;

/** The last layer of a network: a scalar loss from the scores and the targets, and its gradient. */
public interface LossLayer extends AutoCloseable {

    /** The mean loss over the batch, as a (1) tensor owned by the layer (read it to wait for it). */
    Tensor forward(Tensor scores, Tensor targets);

    /** dL/dscores of the last forward. */
    Tensor backward();

    String describe();

    @Override void close();
}
