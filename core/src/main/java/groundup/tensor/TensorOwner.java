package groundup.tensor;

/**
 * What owns a tensor's memory: in practice a {@code groundup.backend.Backend}, which extends
 * this. A tensor knows its owner only this far, so the tensor package depends on nothing above it.
 */
public interface TensorOwner {
    /** "cpu", "cuda": for messages. */
    String name();

    /** Copies all of {@code src} into {@code dst[offset...]}; waits for pending work. */
    void download(Tensor src, float[] dst, int offset);
}
