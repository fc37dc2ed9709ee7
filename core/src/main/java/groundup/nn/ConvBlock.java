package groundup.nn;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.Convolver;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * A convolution and its epilogue, as the book draws its networks: conv, its bias, a ReLU and,
 * optionally, a max pooling. The network declares it ({@link Sequential.Builder#convRelu},
 * {@link Sequential.Builder#convReluPool}); nothing guesses it from a row of layers.
 *
 * <p>Fused (the default), the backend runs it as one operation where it can
 * ({@link Convolver#forwardRelu}, {@link Convolver#forwardReluPool}: the ReLU, and the pooling,
 * applied as the convolution's output is written; the CPU's oneDNN path pools the blocked output
 * in place), and its backward is its own ({@link Convolver#backwardRelu},
 * {@link Convolver#backwardReluPool}). Unfused, it runs its {@link #parts()} one after another:
 * the test oracle, and the way to time the difference ({@link Sequential.Builder#fuse}). Both
 * give the same floats (LayerGradientContract). In {@link Mode#INFERENCE} a fused pooling keeps
 * no winners (no backward follows; finding and storing them is about a quarter of the CPU's 2x2
 * pooling), so a backward after an inference forward is refused.
 *
 * <p>Its parameters are its convolution's ({@code conv1.W}, {@code conv1.b}): a checkpoint does
 * not depend on whether a network runs its blocks fused.
 * <pre>
 * x (N, C, H, W) -> conv (N, F, OH, OW) -> ReLU (N, F, OH, OW) [-> max pool (N, F, PH, PW)]
 * </pre>
 */
public final class ConvBlock implements Layer {
    private final Backend b;
    private final Convolution conv;
    private final Relu relu;
    private final Pooling pool;                  // null: no pooling
    private final List<Layer> parts;             // conv, relu[, pool]: made once, walked every step unfused
    private final boolean fused;
    private ConvGeometry pg;                     // the fused pooling's window over the conv's output
    private Tensor yp, argmax;                   // the fused pooling's output and winners
    private boolean kept = true;                 // whether the last fused forward kept the winners

    /**
     * A convolution of {@code filters} kernels of {@code kernel} x {@code kernel} over
     * {@code channels}, then a ReLU, then, where {@code poolSize} > 0, a max pooling of
     * poolSize x poolSize windows at {@code poolStride}.
     */
    public ConvBlock(Backend backend, int channels, int filters, int kernel, int stride, int pad, int poolSize, int poolStride,
                     boolean fused, Init init, Random rnd, String name) {
        this(backend, channels, filters, kernel, stride, pad, poolSize, poolStride, fused, init, rnd, name, Precision.FP32);
    }

    /** As above, the convolution's products in {@code precision} ({@link Convolution}). */
    public ConvBlock(Backend backend, int channels, int filters, int kernel, int stride, int pad, int poolSize, int poolStride,
                     boolean fused, Init init, Random rnd, String name, Precision precision) {
        this.b = backend;
        this.conv = new Convolution(backend, channels, filters, kernel, kernel, stride, pad, init, rnd, name, precision);
        this.relu = new Relu(backend);
        this.pool = poolSize > 0 ? new Pooling(backend, poolSize, poolSize, poolStride, 0) : null;
        this.parts = pool == null ? List.of(conv, relu) : List.of(conv, relu, pool);
        this.fused = fused;
    }

    /** Its convolution (whose weights are the block's parameters). */
    public Convolution convolution() { return conv; }

    /** Whether it runs as one operation ({@link Convolver#forwardRelu}, {@link Convolver#forwardReluPool}) or as its parts. */
    public boolean fused() { return fused; }

    /** The convolution, the ReLU and the pooling if any: what the block computes, one layer after another. */
    @Override public List<Layer> parts() { return parts; }

    @Override public Shape outputShape(Shape input) {
        Shape s = conv.outputShape(input);
        return pool == null ? s : pool.outputShape(s);
    }

    @Override public Tensor forward(Tensor x, Mode mode) {
        if (!fused) {
            Tensor h = x;
            for (Layer l : parts()) h = l.forward(h, mode);
            return h;
        }
        if (pool == null) return conv.forwardRelu(x);
        pg = pool.geometry(conv.outputShape(x.shape()));
        yp = Buffers.ensurePooled(b, yp, pg);
        kept = mode == Mode.TRAIN;
        if (kept) argmax = Buffers.ensurePooled(b, argmax, pg);
        conv.forwardReluPool(x, pg, yp, kept ? argmax : null);
        return yp;
    }

    @Override public Tensor backward(Tensor dy) {
        if (!fused) {
            Tensor d = dy;
            List<Layer> ls = parts();
            for (int i = ls.size() - 1; i >= 0 && d != null; i--) d = ls.get(i).backward(d);
            return d;
        }
        if (pool == null) return conv.backwardRelu(dy);
        if (!kept) {
            throw new IllegalStateException(describe() + ": backward after an inference-mode forward, which keeps no winners "
                    + "of the pooling; run the forward in training mode");
        }
        return conv.backwardReluPool(pg, yp, argmax, dy);
    }

    @Override public List<Parameter> parameters() { return conv.parameters(); }

    @Override public void skipInputGradient() { conv.skipInputGradient(); }

    /** Its parts' descriptions as a network's description joins layers: a block reads as the layers it replaced. */
    @Override public String describe() {
        StringBuilder d = new StringBuilder();
        for (Layer l : parts()) d.append(d.length() > 0 ? " | " : "").append(l.describe());
        return d.toString();
    }

    @Override public List<NamedTensor> state() {
        List<NamedTensor> s = new java.util.ArrayList<>();
        for (Layer l : parts()) s.addAll(l.state());
        return s;
    }

    // indexed: an iterator a step is an allocation a step
    @Override public void reseed(long step) { for (int i = 0; i < parts.size(); i++) parts.get(i).reseed(step); }

    @Override public void reseed(long seed, Tensor step) { for (int i = 0; i < parts.size(); i++) parts.get(i).reseed(seed, step); }

    @Override public boolean recordable() {
        for (Layer l : parts()) if (!l.recordable()) return false;
        return true;
    }

    @Override public void close() {
        conv.close();
        relu.close();
        if (pool != null) pool.close();
        Buffers.close(yp, argmax);
    }
}
