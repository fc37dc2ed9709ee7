package groundup.cpu;

import groundup.tensor.ConvGeometry;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A ReLU and max pooling read straight from a convolution's output in oneDNN's channel-blocked
 * layout, and the pooling's backward written straight into the layout of the gradient oneDNN
 * reads: {@link DnnlConvolver}'s fused convolution + ReLU + pooling. The full-size output
 * then never exists as an NCHW array: no reorder to NCHW, no copy onto the heap, no second
 * read by the pooling; and backward builds dy in oneDNN's layout, where the plain way
 * scatters it into an array, copies that off-heap and reorders it.
 *
 * <pre>
 * nChwBc (B = 16, 8; 1 is plain NCHW): (N, ceil(F/B), H, W, B), channel c of image n at
 *   ((n*ceil(F/B) + c/B)*H*W + y*W + x)*B + c%B; channels F.. of the last block are padding
 * forward,  per (image, block): raw (H*W, B) = the block; planes (B, H, W) = max(raw^T, 0);
 *           PlanePooling.maxPool on each real channel's plane -> yp, argmax (N,F,PH,PW)
 * backward, per (image, block): planes = 0; PlanePooling.unpool of dyp masked by yp &gt; 0
 *           onto each real channel's plane; raw = planes^T; the block = raw (padding stays 0)
 * </pre>
 * The planes go through the backend's own pooling kernels, so the winners, ties and NaNs are
 * the CPU backend's; a block (B*H*W floats: 50 KB for DeepConvNet's conv2) stays in cache.
 * The book's 2x2 pooling has loops of its own, scalar or, where the JVM has the Vector API
 * ({@link #vector()}), {@link VectorPooling}'s, which give the same bits.
 * Each thread has its own scratch blocks, made once: a step allocates nothing.
 */
final class BlockedPooling {
    private final Parallel parallel;
    private final ConvGeometry pool;
    private final int block, images, filters, hw, pooled;
    private final boolean book2x2;                          // the book's pooling: 2x2 windows, stride 2, no padding
    private final boolean vector;                           // book2x2 in VectorPooling's lanes
    private final float[][] raw, planes;
    private final int[][] bits;                             // VectorPooling's forward scratch (P, B) x 2; null without it
    private float[] unkept;                                 // other windows' winners where a forward keeps none; made then

    /**
     * Whether the book's 2x2 pooling runs in {@link VectorPooling}: system property
     * {@code groundup.cpu.vector} = {@code auto} (the default: where the JVM has the
     * jdk.incubator.vector module and the CPU 256-bit vectors), {@code on} (an error where it
     * cannot) or {@code off}.
     */
    static boolean vector() {
        Boolean v = choice;
        if (v == null) choice = v = vectorChosen();      // not in a static initializer: a bad choice then fails as itself, every time
        return v;
    }

    private static volatile Boolean choice;                 // vector()'s, once made

    /** The choice of groundup.cpu.vector in this JVM; throws, saying why, where it asks for what cannot run. */
    static boolean vectorChosen() {
        return vectorChosen(System.getProperty("groundup.cpu.vector", "auto").trim().toLowerCase(java.util.Locale.ROOT),
                ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    }

    static boolean vectorChosen(String choice, boolean moduleLoaded) {
        String why = !moduleLoaded ? "the JVM was started without --add-modules jdk.incubator.vector"
                : !VectorPooling.fits() ? "this CPU has no 256-bit vectors" : null;
        return switch (choice) {
            case "off" -> false;
            case "auto" -> why == null;
            case "on" -> {
                if (why != null) throw new IllegalStateException("groundup.cpu.vector=on, but the Vector API cannot run the pooling: " + why);
                yield true;
            }
            default -> throw new IllegalArgumentException("groundup.cpu.vector must be auto, on or off, got '" + choice + "'");
        };
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARMING = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Once per JVM where {@link #vector()}: {@link VectorPooling#warmUp} on a daemon thread, so that
     * the Vector API's start-up (about 0.6 s measured on the 2-vCPU machine) overlaps what the
     * caller does next (the trainer loads its data) instead of stalling the first training step.
     */
    static void warmUpInBackground() {
        if (!vector() || !WARMING.compareAndSet(false, true)) return;
        Thread t = new Thread(() -> VectorPooling.warmUp(4000), "groundup-vector-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** How the book's 2x2 pooling runs, for the backend's describe(). */
    static String describeVector() {
        return vector() ? "pooling in the Vector API's " + VectorPooling.LANES + " lanes"
                : "pooling in scalar Java (start Java with --add-modules jdk.incubator.vector for vectors)";
    }

    /** For pooling a convolution output (pool.n(), pool.c(), pool.h(), pool.w()) in nChw{block}c. */
    BlockedPooling(Parallel parallel, int block, ConvGeometry pool) {
        this(parallel, block, pool, vector());
    }

    /** vectorIfItFits: the book's 2x2 pooling in VectorPooling where the block is a multiple of its lanes. */
    BlockedPooling(Parallel parallel, int block, ConvGeometry pool, boolean vectorIfItFits) {
        if (block < 1) throw new IllegalArgumentException("channel block " + block + " must be 1 or more");
        this.parallel = parallel;
        this.pool = pool;
        this.block = block;
        this.images = pool.n();
        this.filters = pool.c();
        this.pooled = pool.outH() * pool.outW();
        this.book2x2 = PlanePooling.isBook2x2(pool);
        this.hw = pool.h() * pool.w();
        this.vector = vectorIfItFits && book2x2 && block % VectorPooling.LANES == 0;
        raw = new float[parallel.threads()][block * hw];
        planes = new float[parallel.threads()][block * hw];         // VectorPooling's backward scratch too: 2*P*B <= B*H*W
        bits = vector ? new int[parallel.threads()][2 * pooled * block] : null;
    }

    boolean vectorized() { return vector; }

    ConvGeometry geometry() { return pool; }

    private float[] unkept() {
        if (unkept == null) unkept = new float[pool.pooledShape().size()];
        return unkept;
    }

    /**
     * yp, argmax (N, F, PH, PW) = maxPool(max(y, 0)), y in the blocked layout in src; argmax null:
     * winners not kept. blockedYp, where not null, gets yp too, in src's blocked layout
     * (N, ceil(F/B), PH, PW, B), padding lanes +0: what the next oneDNN convolution reads.
     */
    void forward(FloatBuffer src, float[] yp, float[] argmaxOrNull, FloatBuffer blockedYp) {
        this.src = src;
        this.yp = yp;
        this.argmax = argmaxOrNull != null || book2x2 ? argmaxOrNull : unkept();     // only 2x2 skips the winners
        this.blocked = blockedYp;
        try {
            ChannelBlocks.forEach(parallel, ops, images, filters, block, forwardTile);
        } finally {
            this.src = this.blocked = null;
            this.yp = this.argmax = this.dyp = null;
        }
    }

    // a walk's operands, set for the walk: its tile body is a method made an object once, not a
    // lambda per call (a step allocates nothing); one walk at a time, as the convolver is one layer's
    private final Parallel.Operands ops = new Parallel.Operands();
    private FloatBuffer src, blocked;
    private float[] yp, argmax, dyp;
    private final ChannelBlocks.Tile forwardTile = this::forwardTile, backwardTile = this::backwardTile;

    private void forwardTile(int t, int item, int image, int c0, int lanes) {
        int len = block * hw;
        float[] r = raw[t], p = planes[t], yp = this.yp, argmax = this.argmax;
        int out = (image * filters + c0) * pooled;              // channel c0's pooled plane
        src.get(item * len, r, 0, len);
        if (vector) {
            VectorPooling.pool2x2OfRelu(r, block, pool.w(), pool.outH(), pool.outW(), lanes, yp, argmax, out, bits[t]);
        } else if (book2x2) {
            pool2x2OfRelu(r, lanes, yp, argmax, out);
        } else {
            for (int l = 0; l < lanes; l++) {
                for (int i = 0, at = l; i < hw; i++, at += block) p[l * hw + i] = Math.max(r[at], 0f);
            }
            for (int l = 0; l < lanes; l++) PlanePooling.maxPool(p, l * hw, yp, argmax, out + l * pooled, pool);
        }
        if (blocked != null) {                                  // the tile's pooled planes, interleaved again, through r
            for (int l = 0; l < block; l++) {
                for (int i = 0, at = l; i < pooled; i++, at += block) r[at] = l < lanes ? yp[out + l * pooled + i] : 0f;
            }
            blocked.put(item * block * pooled, r, 0, block * pooled);
        }
    }

    /**
     * The book's 2x2 window, stride 2, on one block as it lies, (H, W, B): each window's four
     * taps are four runs of B lanes, and the lanes are the inner loop. All in int bits, without
     * a branch (float selects compiled to jumps that mispredict on real data: 3.5x slower):
     * {@link #reluBits} is +0, positive or a positive NaN, whose float order is their bits'
     * int order; the winner is the first tap equal to the max, as in PlanePooling.maxPool.
     */
    private void pool2x2OfRelu(float[] r, int lanes, float[] yp, float[] argmax, int out) {
        int w = pool.w(), oh = pool.outH(), ow = pool.outW(), row = w * block;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int i0 = 2 * oy * row + 2 * ox * block, i1 = i0 + block, i2 = i0 + row, i3 = i2 + block, o = out + oy * ow + ox;
                for (int l = 0; l < lanes; l++) {
                    int b0 = reluBits(r[i0 + l]), b1 = reluBits(r[i1 + l]), b2 = reluBits(r[i2 + l]), b3 = reluBits(r[i3 + l]);
                    int max = Math.max(Math.max(b0, b1), Math.max(b2, b3));
                    int n0 = b0 != max ? 1 : 0, n1 = b1 != max ? 1 : 0, n2 = b2 != max ? 1 : 0;
                    yp[o + l * pooled] = Float.intBitsToFloat(max);
                    if (argmax != null) argmax[o + l * pooled] = n0 * (1 + n1 * (1 + n2));   // the first tap whose bits are the max
                }
            }
        }
    }

    /**
     * The bits of max(v, 0), CpuBackend's ReLU, as an int that orders as the float does: a
     * negative v or -0 gives +0; a NaN of either sign gives that NaN with the sign cleared, above
     * every number.
     */
    static int reluBits(float v) {
        int b = Float.floatToRawIntBits(v), abs = b & 0x7fffffff;
        int nan = (0x7f800000 - abs) >> 31;             // all ones where abs is a NaN's
        return Math.max(b, 0) | (abs & nan);
    }

    /** dst's blocked layout = maxPoolBackward(dyp where yp &gt; 0, argmax), padding channels 0. */
    void backward(float[] dyp, float[] yp, float[] argmax, FloatBuffer dst) {
        this.dyp = dyp;
        this.yp = yp;
        this.argmax = argmax;
        this.blocked = dst;
        try {
            ChannelBlocks.forEach(parallel, ops, images, filters, block, backwardTile);
        } finally {
            this.src = this.blocked = null;
            this.yp = this.argmax = this.dyp = null;
        }
    }

    private void backwardTile(int t, int item, int image, int c0, int lanes) {
        int len = block * hw;
        float[] r = raw[t], p = planes[t], dyp = this.dyp, yp = this.yp, argmax = this.argmax;
        int out = (image * filters + c0) * pooled;
        if (vector) {
            VectorPooling.unpool2x2(dyp, yp, argmax, out, lanes, block, pool.h(), pool.w(), r, p);
        } else if (book2x2) {
            unpool2x2(dyp, yp, argmax, out, lanes, r);
        } else {
            Arrays.fill(p, 0f);
            for (int l = 0; l < lanes; l++) PlanePooling.unpool(dyp, yp, argmax, out + l * pooled, pool, p, l * hw);
            for (int l = 0; l < block; l++) {
                for (int i = 0, at = l; i < hw; i++, at += block) r[at] = p[l * hw + i];
            }
        }
        blocked.put(item * len, r, 0, len);
    }

    /** The backward of {@link #pool2x2OfRelu} into one block as it lies: each window's winner gets its masked gradient, all else 0. */
    private void unpool2x2(float[] dyp, float[] yp, float[] argmax, int out, int lanes, float[] r) {
        Arrays.fill(r, 0f);                   // the padding lanes, a last odd row or column, the losers
        int w = pool.w(), oh = pool.outH(), ow = pool.outW(), row = w * block;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int i0 = 2 * oy * row + 2 * ox * block, o = out + oy * ow + ox;
                for (int l = 0; l < lanes; l++) {
                    int at = o + l * pooled, k = (int) argmax[at];
                    float d = ReluGradient.of(dyp[at], yp[at]);
                    r[i0 + (k >> 1) * row + (k & 1) * block + l] = d;
                }
            }
        }
    }
}
