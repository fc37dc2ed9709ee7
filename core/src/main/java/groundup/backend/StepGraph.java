package groundup.backend;

/**
 * The ops of a step, recorded once by {@link Backend#record} and issued again as one unit by
 * {@link #launch}: the same kernels on the same tensors with the same arguments, each reading
 * device memory as it is when it runs. Close it to free what the backend keeps for it.
 */
public interface StepGraph extends AutoCloseable {

    /** Issues the recorded ops; like any op, it may run asynchronously. */
    void launch();

    @Override default void close() { }
}
