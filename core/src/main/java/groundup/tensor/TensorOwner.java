package groundup.tensor;

/**
 * What owns a tensor's memory: in practice a {@code groundup.backend.Backend}, which extends
 * this. A tensor knows its owner only this far, and this knows nothing of tensors, so the
 * tensor package has no cycle and depends on nothing above it.
 */
public interface TensorOwner {
    /** "cpu", "cuda": for messages. */
    String name();

    /** Copies {@code count} floats of the memory behind {@code handle} (one of this owner's) into {@code dst[offset...]}; waits for pending work. */
    void copyOut(Object handle, int count, float[] dst, int offset);
}
