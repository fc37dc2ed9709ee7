package groundup.tensor;

/**
 * A float32 array of a given {@link Shape}, row-major, whose memory belongs to one
 * backend (its {@link TensorOwner}). Layers see only the shape; the storage (a Java array, a device
 * pointer) is an opaque handle that only the owning backend may open.
 *
 * <p>A tensor made by a backend's {@code allocate} owns its memory and must be closed.
 * A {@link #view} shares the memory of its base under another shape of the same size;
 * closing a view does nothing, and a view must not outlive its base.
 */
public final class Tensor implements AutoCloseable {
    private final TensorOwner owner;
    private final Shape shape;
    private final Object handle;
    private final Tensor base;          // null for an owning tensor
    private final Runnable release;     // frees the memory; null for a view
    private boolean closed;

    private Tensor(TensorOwner owner, Shape shape, Object handle, Tensor base, Runnable release) {
        this.owner = owner;
        this.shape = shape;
        this.handle = handle;
        this.base = base;
        this.release = release;
    }

    /**
     * For backends only: wrap freshly allocated memory. {@code release} runs once on close.
     */
    public static Tensor wrap(TensorOwner owner, Shape shape, Object handle, Runnable release) {
        return new Tensor(owner, shape, handle, null, release);
    }

    public Shape shape() { return shape; }

    public int size() { return shape.size(); }

    /** The backend that allocated this tensor. */
    public TensorOwner owner() { return owner; }

    /**
     * For backends only: the storage behind this tensor. Throws if {@code requester} is not
     * the backend that allocated it, so a buffer never reaches a kernel of another backend.
     */
    public Object handle(TensorOwner requester, String op) {
        if (requester != owner) {
            throw new IllegalArgumentException(op + ": tensor " + shape + " belongs to backend '"
                    + owner.name() + "', not to '" + requester.name() + "'");
        }
        if (isClosed()) throw new IllegalStateException(op + ": tensor " + shape + " was already closed");
        return handle;
    }

    /** The same memory seen with another shape of the same size. */
    public Tensor view(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("view: cannot see " + shape + " as " + newShape + " (sizes differ)");
        }
        return new Tensor(owner, newShape, handle, base == null ? this : base, null);
    }

    public Tensor view(int... dims) { return view(Shape.of(dims)); }

    /** True if both see the same memory (one is a view of the other, or both of one base). */
    public boolean sharesMemoryWith(Tensor other) { return handle == other.handle; }

    public boolean isClosed() { return base != null ? base.isClosed() : closed; }

    @Override public void close() {
        if (release != null && !closed) {
            closed = true;
            release.run();
        }
    }

    /** Copies the contents to a new Java array (waits for the device). Not for hot paths. */
    public float[] toArray() {
        float[] out = new float[shape.size()];
        owner.copyOut(handle, out.length, out, 0);
        return out;
    }

    @Override public String toString() { return "Tensor" + shape + "@" + owner.name(); }
}
