package groundup.nn;

import groundup.tensor.Tensor;

/** The last layer of a network: a scalar loss from the scores and the targets, and its gradient. */
public interface LossLayer extends AutoCloseable {

    /** The mean loss over the batch, as a (1) tensor owned by the layer (read it to wait for it). */
    Tensor forward(Tensor scores, Tensor targets);

    /** dL/dscores of the last forward. */
    Tensor backward();

    String describe();

    /**
     * The mean loss of a network that has learned nothing, over {@code classes} scores per
     * sample: ln(classes) for the cross-entropy (uniform scores); NaN where a loss has no such
     * level. A trainer tells a run that went wrong from one that starts slowly by it.
     */
    default double chanceLoss(int classes) { return Double.NaN; }

    /** As {@link Layer#recordable}: whether its forward and backward may be recorded once and replayed. */
    default boolean recordable() { return true; }

    @Override void close();
}
