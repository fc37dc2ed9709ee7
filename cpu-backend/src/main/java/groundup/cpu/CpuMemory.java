package groundup.cpu;

import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A CPU tensor's memory (its {@code Tensor.handle}): a Java array in the plain row-major layout
 * (NCHW for activations), and, for an activation that a oneDNN convolution wrote, a copy in
 * the channel-blocked layout oneDNN wrote it in.
 *
 * <p>Why: DeepConvNet runs five oneDNN convolutions in a row, and each one carried its input
 * from NCHW into oneDNN's layout and its output back, forward and backward. Now a convolution
 * writes its output only in its own layout ({@link #blockedToWrite}) and the next one reads it
 * there ({@link #blockedIfCurrent}); the array is brought up to date only when a kernel that
 * reads NCHW asks for it ({@link #array}): the first affine layer, the SGEMM convolution.
 *
 * <p>The two copies are never both stale. {@link #array} is for kernels that may write the
 * array (the blocked copy is stale after it); {@link #arrayToRead} for those that only read it;
 * {@link #arrayToOverwrite} for those that write all of it without reading.
 */
final class CpuMemory {
    private final float[] plain;
    private Blocked blocked;            // null until a oneDNN convolution writes this tensor
    private boolean plainStale;         // the blocked copy holds the value, the array does not
    private boolean blockedStale = true;
    private boolean blockedRead;        // whether a convolution read the blocked copy since it was last written

    CpuMemory(float[] plain) { this.plain = plain; }

    /** The array, up to date, for a kernel that may write it: the blocked copy is stale after this. */
    float[] array() {
        arrayToRead();
        blockedStale = true;
        return plain;
    }

    /** The array, up to date, for a kernel that only reads it: the blocked copy stays current. */
    float[] arrayToRead() {
        if (plainStale) {
            blocked.activation.unpack(plain, false);
            plainStale = false;
        }
        return plain;
    }

    /** The array, for a kernel that overwrites all of it: nothing is brought up to date first; the blocked copy is stale after this. */
    float[] arrayToOverwrite() {
        plainStale = false;
        blockedStale = true;
        return plain;
    }

    /** The blocked copy where it holds the tensor's value in {@code layout}, else null. */
    Blocked blockedIfCurrent(memory.desc layout) {
        if (blocked == null || blockedStale || !blocked.layout.equals(layout)) return null;
        blockedRead = true;
        return blocked;
    }

    /** The blocked copy, whatever its layout, where it holds the tensor's value, else null: for a reader that converts it. */
    Blocked blockedIfCurrent() {
        if (blocked == null || blockedStale) return null;
        blockedRead = true;
        return blocked;
    }

    /**
     * For a writer that can give both copies, the array and the blocked one (a pooling): whether
     * the blocked copy is worth writing, that is, it was never written or a convolution read the
     * last one. After SimpleConvNet's pooling, an affine layer reads the array alone.
     */
    boolean blockedWanted() { return blocked == null || blockedRead; }

    /**
     * The blocked copy in {@code layout} (made on the first call, and again where the layout
     * changes), for a convolution to write the whole tensor into; then {@link #wroteBlocked}
     * or {@link #wroteBoth}.
     */
    Blocked blockedToWrite(memory.desc layout, long[] dims, int block, Parallel parallel, LayoutCounter counter) {
        if (blocked == null || !blocked.layout.equals(layout)) {
            if (blocked != null) {
                arrayToRead();              // the value moves to the array before its copy goes
                blocked.close();
            }
            blocked = new Blocked(layout, dims, block, parallel, counter);
        }
        blockedStale = true;                // until the writer says it wrote
        blockedRead = false;
        return blocked;
    }

    /** The blocked copy was written and holds the value; the array is stale. */
    void wroteBlocked() {
        plainStale = true;
        blockedStale = false;
    }

    /** Both the array and the blocked copy were written with the same value. */
    void wroteBoth() {
        plainStale = false;
        blockedStale = false;
    }

    /** Frees the blocked copy; the tensor's close. */
    void close() {
        if (blocked != null) blocked.close();
        blocked = null;
    }

    /** The oneDNN memory of a blocked copy, made by oneDNN (aligned as its kernels like), and its floats. */
    static final class Blocked {
        private final memory.desc layout;
        private final memory memory;
        private final Pointer handle;
        final BlockedActivation activation;

        private Blocked(memory.desc layout, long[] dims, int block, Parallel parallel, LayoutCounter counter) {
            this.memory = new memory(layout, Dnnl.engine());
            this.layout = memory.get_desc();          // its own: the caller's may be closed before this copy
            this.handle = memory.get_data_handle();
            long n = layout.get_size() / Float.BYTES;
            this.activation = new BlockedActivation(dims, block,
                    new FloatPointer(handle).capacity(n).limit(n).position(0).asBuffer(), parallel, counter);
        }

        /** Its layout, as oneDNN describes it. */
        memory.desc layout() { return layout; }

        /** The address a oneDNN memory is pointed at to read or write this copy in place. */
        Pointer handle() { return handle; }

        private void close() { memory.close(); }
    }
}
