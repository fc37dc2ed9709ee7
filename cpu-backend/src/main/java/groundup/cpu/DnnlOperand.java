package groundup.cpu;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.FloatBuffer;
import java.util.List;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;

/**
 * One operand of a oneDNN primitive: off-heap memory in the layout the primitive chose, loaded
 * from and stored to a tensor's Java array in our plain layout (NCHW; (F, C, kh, kw) weights).
 * <ul>
 * <li>Activations in a channel-blocked layout (nChw16c, nChw8c: {@link #channelBlock}) are packed
 *     and unpacked in Java, straight between the array and the inner memory
 *     ({@link BlockedActivation}): one pass over memory. Or not at all: the inner memory can be
 *     pointed at a tensor's own blocked copy ({@link #bind}), which another convolution wrote
 *     or this one writes for the next ({@link CpuMemory}).
 * <li>Anything else (weights, other layouts) is copied off-heap as it is (a bulk copy split over
 *     the backend's threads) and, where the primitive chose another layout, reordered by
 *     oneDNN, and back for outputs: two passes.
 * </ul>
 * Why both: at batch 100 the two ways measured the same on activations (DeepConvNet's conv2,
 * load 1.6-1.9 ms, store 1.4-2.0 ms either way on 2 Xeon vCPUs: 5 MB stays in the caches). At
 * batch 1,000 (inference: 50 MB) the second pass goes to memory: DeepConvNet's forward was
 * 0-7% faster packed in Java, median 3%, over five runs of 40 forwards alternating the two.
 */
final class DnnlOperand {
    private final memory inner;
    private final memory.desc desc;         // inner's layout, as oneDNN chose it
    private final Pointer ownHandle;        // inner's own memory, where bindOwn points it back
    private final FloatBuffer plain;        // the plain copy's floats; inner's own where the layouts agree; null where pack carries it
    private final FloatBuffer innerFloats;  // inner's own floats, in its layout
    private final int len;
    private final Parallel parallel;
    private final stream stream;
    private final LayoutCounter counter;
    private final String layout;
    private final primitive toInner, toPlain;
    private final IntMemoryMap toInnerArgs, toPlainArgs;
    private final DnnlOperand sibling;          // the same tensor in another layout, or null
    private final primitive fromSibling;
    private final IntMemoryMap fromSiblingArgs;
    private static final int BLOCK = 4096;      // floats: 16 KB, half an L1
    private float[][] blocks;                   // one per thread, for loadReluMasked and storeRelu; made on the first call
    private final long[] dims;
    private final boolean activation;           // (N, C, H, W), not weights
    private final BlockedActivation own;        // inner's own memory as a blocked activation, or null
    private BlockedActivation bound;            // what inner points at now: own, or a tensor's blocked copy
    private final Factory factory;              // for the converters, made on first use
    private final boolean converted;            // an activation oneDNN takes in another type (bf16): loaded by reorders from float32
    private Converter fromCopy, fromStage;      // float32 in a blocked layout -> inner, for loadConverted and loadStaged
    private BlockedActivation stage;            // float32 staging for loadStaged, in fromStage's layout

    private DnnlOperand(Factory f, long[] dims, memory.format_tag plainTag, memory.desc wanted, DnnlOperand sibling) {
        this.parallel = f.parallel;
        this.stream = f.stream;
        this.counter = f.counter;
        this.dims = dims.clone();
        this.factory = f;
        long floats = 1;
        for (long d : dims) floats *= d;
        len = Math.toIntExact(floats);
        activation = dims.length == 4 && plainTag == memory.format_tag.nchw;
        memory.desc plainDesc = f.keep(new memory.desc(dims, memory.data_type.f32, plainTag));
        converted = activation && wanted.get_data_type() != memory.data_type.f32;
        if (wanted.equals(plainDesc)) {
            FloatPointer data = f.keep(new FloatPointer(floats));
            inner = f.keep(new memory(plainDesc, f.eng, data));
            plain = innerFloats = data.position(0).asBuffer();
            toInner = toPlain = null;
            toInnerArgs = toPlainArgs = null;
            layout = "plain";
        } else {
            layout = name(f, dims, wanted);
            long innerLen = wanted.get_size() / Float.BYTES;
            if (activation && channelBlock() > 1) {
                // Our own buffer, not one oneDNN allocates: bind() points inner elsewhere, and oneDNN
                // frees a buffer it allocated as soon as its memory is pointed elsewhere.
                FloatPointer data = aligned(f, innerLen);
                inner = f.keep(new memory(wanted, f.eng, data));
                innerFloats = data.asBuffer();
            } else {
                inner = f.keep(new memory(wanted, f.eng));
                // a view of the memory oneDNN allocated (padded blocks included); it lives as long as inner
                innerFloats = new FloatPointer(inner.get_data_handle()).capacity(innerLen).limit(innerLen).position(0).asBuffer();
            }
            if (activation && channelBlock() > 1) {          // pack and unpack carry it: no plain copy, no reorders
                plain = null;
                toInner = toPlain = null;
                toInnerArgs = toPlainArgs = null;
            } else {
                FloatPointer data = f.keep(new FloatPointer(floats));
                memory plainMem = f.keep(new memory(plainDesc, f.eng, data));
                plain = data.position(0).asBuffer();
                toInner = f.keep(new reorder(plainMem, inner));
                toPlain = f.keep(new reorder(inner, plainMem));
                toInnerArgs = args(f, plainMem, inner);
                toPlainArgs = args(f, inner, plainMem);
            }
        }
        desc = f.keep(inner.get_desc());
        ownHandle = inner.get_data_handle();
        own = bound = blockedActivation() ? new BlockedActivation(dims, channelBlock(), innerFloats, parallel, counter) : null;
        this.sibling = sibling;
        if (sibling != null) {
            fromSibling = f.keep(new reorder(sibling.inner, inner));
            fromSiblingArgs = args(f, sibling.inner, inner);
        } else {
            fromSibling = null;
            fromSiblingArgs = null;
        }
    }

    /**
     * n floats off-heap at a 64-byte boundary (a cache line, an AVX-512 vector), as oneDNN aligns
     * what it allocates: a view into a slightly larger allocation, which goes to the owned list.
     */
    private static FloatPointer aligned(Factory f, long n) {
        FloatPointer raw = f.keep(new FloatPointer(n + 16));
        long skip = ((64 - raw.address() % 64) % 64) / Float.BYTES;
        return raw.getPointer(skip).capacity(n).limit(n);
    }

    /** The blocked activation layouts by name, for tests and profiles; other layouts as "reordered". */
    private static String name(Factory f, long[] dims, memory.desc d) {
        if (dims.length != 4) return "reordered";
        if (d.equals(f.keep(new memory.desc(dims, memory.data_type.f32, memory.format_tag.nChw16c)))) return "nChw16c";
        if (d.equals(f.keep(new memory.desc(dims, memory.data_type.f32, memory.format_tag.nChw8c)))) return "nChw8c";
        if (d.equals(f.keep(new memory.desc(dims, memory.data_type.f32, memory.format_tag.nhwc)))) return "nhwc";
        return "reordered";
    }

    private static IntMemoryMap args(Factory f, memory from, memory to) {
        IntMemoryMap m = f.keep(new IntMemoryMap());
        m.put(DNNL_ARG_FROM, from);
        m.put(DNNL_ARG_TO, to);
        return m;
    }

    /** The memory the primitive reads or writes. */
    memory inner() { return inner; }

    /**
     * The channel block of the inner layout where it is (N, ceil(C/B), H, W, B): 16 for nChw16c,
     * 8 for nChw8c, 1 for plain NCHW; 0 for any other layout.
     */
    int channelBlock() {
        return switch (layout) {
            case "plain" -> 1;
            case "nChw16c" -> 16;
            case "nChw8c" -> 8;
            case "nhwc" -> activation ? (int) dims[1] : 0;     // (N, 1, H, W, C): one block of all the channels
            default -> 0;
        };
    }

    /** The format of a copy in this operand's blocked layout for a tensor of other dims (a pooled output): nChw16c, nChw8c or nhwc. */
    memory.format_tag blockedTag() {
        return switch (layout) {
            case "nChw16c" -> memory.format_tag.nChw16c;
            case "nChw8c" -> memory.format_tag.nChw8c;
            case "nhwc" -> memory.format_tag.nhwc;
            default -> throw new IllegalStateException("not a channel-blocked layout: " + layout);
        };
    }

    /**
     * Whether oneDNN takes this activation in another type than float32 (bf16): it is then
     * loaded by a oneDNN reorder, which converts, from a tensor's float32 blocked copy
     * ({@link #loadConverted}) or a staging buffer a kernel filled ({@link #loadStaged}),
     * never through NCHW where a blocked float32 copy is at hand.
     */
    boolean converted() { return converted; }

    /** inner = the tensor held in {@code copy} (float32, a blocked layout of this operand's dims), converted by oneDNN. */
    void loadConverted(CpuMemory.Blocked copy) {
        if (fromCopy == null || !fromCopy.from.equals(copy.layout())) {
            fromCopy = new Converter(copy.layout());
        }
        fromCopy.run(copy.handle());
    }

    /**
     * A float32 buffer of this operand's dims in {@code layout} (channel block {@code block}), for
     * a kernel to fill (a masked or unpooled gradient) before {@link #loadStaged}: its
     * reorder into inner converts as it goes. Made on the first call, again for another layout.
     */
    BlockedActivation stage(memory.desc layout, int block) {
        if (fromStage == null || !fromStage.from.equals(layout)) {
            long n = layout.get_size() / Float.BYTES;
            FloatPointer data = aligned(factory, n);
            fromStage = new Converter(layout);
            fromStage.handle = data;
            stage = new BlockedActivation(dims, block, data.asBuffer(), parallel, counter);
        }
        return stage;
    }

    /** inner = the staging buffer of the last {@link #stage}, converted. */
    void loadStaged() { fromStage.run(fromStage.handle); }

    /** A reorder from float32 memory in one layout into inner, pointed at whatever memory holds the source. */
    private final class Converter {
        final memory.desc from;
        final memory src;
        final primitive reorder;
        final IntMemoryMap args;
        Pointer handle;                 // the staging buffer, for a stage's converter

        Converter(memory.desc from) {
            this.from = factory.keep(new memory.desc(from));
            this.src = factory.keep(new memory(this.from, factory.eng, new FloatPointer((Pointer) null)));
            this.reorder = factory.keep(new reorder(src, inner));
            this.args = args(factory, src, inner);
        }

        void run(Pointer data) {
            bindOwn();
            src.set_data_handle(data);
            reorder.execute(stream, args);
            stream._wait();
        }
    }

    /** The inner memory's own floats, in its layout (see {@link #channelBlock}): for kernels that read or write it in place. */
    FloatBuffer innerFloats() { return innerFloats; }

    /** inner's layout as oneDNN chose it: what a tensor's blocked copy must be in to be bound ({@link #bind}). */
    memory.desc desc() { return desc; }

    /** The dims {N, C, H, W} (activations) or {F, C, kh, kw} (weights); the operand's own array, not to be changed. */
    long[] dims() { return dims; }

    /**
     * Points inner at a tensor's blocked copy in this operand's layout, for a primitive to read or
     * write it in place: no pack, no unpack. Until {@link #bindOwn}.
     */
    void bind(CpuMemory.Blocked copy) {
        if (!blockedActivation()) throw new IllegalStateException("only a channel-blocked activation binds a tensor's copy, not " + layout);
        inner.set_data_handle(copy.handle());
        bound = copy.activation;
    }

    /** Points inner back at its own memory, which load, pack and the kernels on innerFloats use. */
    void bindOwn() {
        if (bound != own) {
            inner.set_data_handle(ownHandle);
            bound = own;
        }
    }

    /** What inner holds, as a blocked activation: its own memory or a bound tensor copy; null where not channel-blocked. */
    BlockedActivation bound() { return bound; }

    /** Whether a primitive wanting this layout can share this operand. */
    boolean holds(memory.desc layout) { return inner.get_desc().equals(layout); }

    /** "plain", the blocked layout's name (nChw16c, nChw8c, nhwc), or "reordered". */
    String layout() { return layout; }

    /** inner = src, a plain array of the operand's size. */
    void load(float[] src) {
        bindOwn();
        if (blockedActivation()) {
            own.pack(src, null);
            return;
        }
        copy(src, null, COPY_IN);
        reorderToInner();
    }

    // the copies' bodies capture nothing (a step allocates nothing): o.a the array, o.b y (a mask) or
    // null, o.x the operand, o.i the parts
    private final Parallel.Operands ops = new Parallel.Operands();

    private void copy(float[] array, float[] y, Parallel.Body body) {
        ops.a = array;
        ops.b = y;
        ops.x = this;
        ops.i = parts();
        try {
            parallel.forRange(ops.i, 1, body, ops);
        } finally {
            ops.clear();
        }
    }

    /** [from, to) of the t-th of parts equal parts of len. */
    private static int from(int len, int t, int parts) { return (int) ((long) len * t / parts); }

    private static final Parallel.Body COPY_IN = (o, lo, hi) -> {
        DnnlOperand op = (DnnlOperand) o.x;
        for (int t = lo; t < hi; t++) {
            int from = from(op.len, t, o.i), to = from(op.len, t + 1, o.i);
            op.plain.put(from, o.a, from, to - from);
        }
    };

    private static final Parallel.Body COPY_IN_MASKED = (o, lo, hi) -> {
        DnnlOperand op = (DnnlOperand) o.x;
        float[] src = o.a, y = o.b;
        for (int t = lo; t < hi; t++) {
            int from = from(op.len, t, o.i), to = from(op.len, t + 1, o.i);
            float[] block = op.blocks[t];
            for (int at = from; at < to; at += BLOCK) {
                int n = Math.min(BLOCK, to - at);
                for (int j = 0; j < n; j++) block[j] = ReluGradient.of(src[at + j], y[at + j]);
                op.plain.put(at, block, 0, n);
            }
        }
    };

    private static final Parallel.Body COPY_OUT = (o, lo, hi) -> {
        DnnlOperand op = (DnnlOperand) o.x;
        for (int t = lo; t < hi; t++) {
            int from = from(op.len, t, o.i), to = from(op.len, t + 1, o.i);
            op.plain.get(from, o.a, from, to - from);
        }
    };

    private static final Parallel.Body COPY_OUT_RELU = (o, lo, hi) -> {
        DnnlOperand op = (DnnlOperand) o.x;
        float[] dst = o.a;
        for (int t = lo; t < hi; t++) {
            int from = from(op.len, t, o.i), to = from(op.len, t + 1, o.i);
            float[] block = op.blocks[t];
            for (int at = from; at < to; at += BLOCK) {
                int n = Math.min(BLOCK, to - at);
                op.plain.get(at, block, 0, n);
                for (int j = 0; j < n; j++) dst[at + j] = Math.max(block[j], 0f);
            }
        }
    };

    private void reorderToInner() {
        if (toInner == null) return;
        if (activation) counter.converted(len);
        toInner.execute(stream, toInnerArgs);
        stream._wait();
    }

    private void reorderToPlain() {
        if (toPlain == null) return;
        if (activation) counter.converted(len);
        toPlain.execute(stream, toPlainArgs);
        stream._wait();
    }

    /**
     * inner = src where y is positive, else +0 (ReLU's backward, {@link ReluGradient}):
     * masked a block at a time into a small array that stays in L1, then copied off-heap, so
     * the mask adds a read of y to the copy instead of a pass of its own.
     */
    void loadReluMasked(float[] src, float[] y) {
        bindOwn();
        if (blockedActivation()) {
            own.pack(src, y);
            return;
        }
        if (blocks == null) blocks = new float[parallel.threads()][BLOCK];
        copy(src, y, COPY_IN_MASKED);
        reorderToInner();
    }

    /**
     * inner = the sibling's inner, reordered from its layout by oneDNN: one pass where loading
     * from the array again takes two. For a primitive that wants a tensor another primitive
     * already holds in another layout (DeepConvNet's conv4, pad 2: its weight gradient runs
     * on AVX2 kernels in nChw8c, the rest on AVX-512 in nChw16c).
     */
    void loadFromSibling() {
        bindOwn();
        if (activation) counter.converted(len);
        fromSibling.execute(stream, fromSiblingArgs);
        stream._wait();
    }

    /** The operand {@link #loadFromSibling} reads, or null. */
    DnnlOperand sibling() { return sibling; }

    /** dst = inner, into a plain array of the operand's size. */
    void store(float[] dst) {
        if (blockedActivation()) {
            bound.unpack(dst, false);
            return;
        }
        reorderToPlain();
        copy(dst, null, COPY_OUT);
    }

    /**
     * dst = max(inner, 0) (CpuBackend's ReLU: NaN kept): copied back a block at a time
     * through a small array that stays in L1, so the ReLU adds no pass of its own.
     */
    void storeRelu(float[] dst) {
        if (blockedActivation()) {
            bound.unpack(dst, true);
            return;
        }
        reorderToPlain();
        if (blocks == null) blocks = new float[parallel.threads()][BLOCK];
        copy(dst, null, COPY_OUT_RELU);
    }

    /** An activation that oneDNN holds channel-blocked (nChw16c, nChw8c): {@link BlockedActivation} carries it. */
    boolean blockedActivation() { return activation && channelBlock() > 1; }

    /** One part per thread, fewer where the copy is small (64K floats at least a part). */
    private int parts() {
        return (int) Math.max(1, Math.min(parallel.threads(), len / 65_536));
    }

    /** Makes the operands of one convolver; every native object it makes goes to the convolver's list, to be closed with it. */
    static final class Factory {
        final engine eng;
        final stream stream;
        final Parallel parallel;
        final LayoutCounter counter;
        private final List<Pointer> owned;

        Factory(engine eng, stream stream, Parallel parallel, LayoutCounter counter, List<Pointer> owned) {
            this.eng = eng;
            this.stream = stream;
            this.parallel = parallel;
            this.counter = counter;
            this.owned = owned;
        }

        /** An operand in {@code plainTag} on our side (nchw for activations, oihw for weights) that the primitive wants as {@code wanted}. */
        DnnlOperand operand(long[] dims, memory.format_tag plainTag, memory.desc wanted) {
            return new DnnlOperand(this, dims, plainTag, wanted, null);
        }

        /**
         * The operand {@code sibling} is, for a primitive that wants it as {@code wanted}:
         * the sibling itself where the layouts agree, else an operand that can also be loaded
         * from the sibling ({@link #loadFromSibling}).
         */
        DnnlOperand sameAs(DnnlOperand sibling, long[] dims, memory.format_tag plainTag, memory.desc wanted) {
            return sibling.holds(wanted) ? sibling : new DnnlOperand(this, dims, plainTag, wanted, sibling);
        }

        <P extends Pointer> P keep(P p) {
            owned.add(p);
            return p;
        }
    }
}
