package groundup.nn;

import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.List;

/**
 * The one contract of every layer. {@code forward} never modifies x and returns a tensor the
 * layer owns, valid until its next forward; {@code backward} takes dL/dy of that forward and
 * returns dL/dx (owned likewise), filling the gradients of {@link #parameters()}. Buffers are
 * allocated on the first call and on a change of input shape, never per step otherwise.
 */
public interface Layer extends AutoCloseable {

    Tensor forward(Tensor x, Mode mode);

    Tensor backward(Tensor dy);

    /** The output shape for an input shape; throws IllegalArgumentException naming both if x does not fit. */
    Shape outputShape(Shape input);

    /** Trainable parameters, in a fixed order. */
    default List<Parameter> parameters() { return List.of(); }

    /** Non-trainable state saved in checkpoints (batch norm's running statistics). */
    default List<NamedTensor> state() { return List.of(); }

    /** The first layer of a network: backward may skip dL/dx and return null. */
    default void skipInputGradient() { }

    /** The training step about to run: layers that draw random numbers (dropout) derive them from it. */
    default void reseed(long step) { }

    /**
     * The same, for every step to come at once: draws derive from the run's {@code seed} and the
     * count of steps taken, which {@code step} (1) holds as a float and the trainer advances on
     * the device, read when each step runs; a step so drawn may be recorded once and replayed.
     * Equivalent to {@code reseed(seed * 0x9E3779B97F4A7C15L + count)} before each step.
     */
    default void reseed(long seed, Tensor step) { }

    /**
     * Whether a training step through this layer may be recorded once and replayed
     * ({@link groundup.backend.Backend#record}): true unless its ops take a value from the host
     * that changes from step to step.
     */
    default boolean recordable() { return true; }

    /**
     * The layers this one is made of, in order: running them one after another computes what it
     * does ({@link ConvBlock}: a convolution, a ReLU, a pooling). A plain layer is its own one
     * part. What a float64 reference or a view of the activations walks through.
     */
    default List<Layer> parts() { return List.of(this); }

    /** One line, e.g. "Convolution 30x1x5x5 stride 1 pad 0". */
    String describe();

    @Override void close();

    /** A named tensor of state. */
    record NamedTensor(String name, Tensor value) {}
}
