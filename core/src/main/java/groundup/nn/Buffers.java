package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/** The one place layers (re)allocate their work tensors: only when the shape changes. */
final class Buffers {
    private Buffers() {}

    /** {@code current} if it already has {@code shape}, else a fresh tensor (current is closed). */
    static Tensor ensure(Backend b, Tensor current, Shape shape) {
        if (current != null && current.shape().equals(shape)) return current;
        if (current != null) current.close();
        return b.allocate(shape);
    }

    /** {@link #ensure} for g's pooled output, making no Shape when current already is one. */
    static Tensor ensurePooled(Backend b, Tensor current, groundup.tensor.ConvGeometry g) {
        return current != null && g.pools(current.shape()) ? current : ensure(b, current, g.pooledShape());
    }

    static void close(Tensor... ts) {
        for (Tensor t : ts) if (t != null) t.close();
    }
}
