package groundup.cpu;

import groundup.backend.Checks;
import groundup.backend.ComposedReluPool;
import groundup.backend.Convolver;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Tensor;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.algorithm.convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.prop_kind.forward_training;

/**
 * The CPU's convolution through oneDNN's direct convolution, the library PyTorch calls.
 *
 * <p>Why its own layouts: oneDNN's JIT kernels run at 200-290 GFLOP/s on 2 AVX-512 cores when
 * they may pick their blocked layouts (activations as nChw16c: 16 channels side by side, one
 * AVX-512 vector), and at under 1 GFLOP/s on plain NCHW (measured on DeepConvNet's layers,
 * oneDNN 3.8.1). So each primitive is made with "any" layout, and each operand is carried
 * between our NCHW Java arrays and the layout oneDNN chose ({@link DnnlOperand}).
 *
 * <pre>
 * forward:  x (N,C,H,W) -> xFwd, w (F,C,kh,kw) -> wFwd; yFwd = conv(xFwd, wFwd) + b; yFwd -> y (N,F,OH,OW)
 * backward: dy -> dyData; dxData = conv_backward_data(dyData, wData); dxData -> dx        (when dx is wanted)
 *           x -> xWts, dy -> dyWts; dwWts, db = conv_backward_weights(xWts, dyWts); dwWts -> dw
 * </pre>
 * Where two primitives want the same layout of x or dy, they share one operand, else the
 * second is reordered from the first by oneDNN; backward reuses forward's copy of x when it is
 * handed the same tensor (the {@link Convolver} contract: x comes back unchanged). Every primitive, buffer and argument map is made with the
 * convolver, once per geometry: a step allocates nothing. The weight gradient is asked to be
 * deterministic, so a seed gives the same training on the same machine and thread count.
 */
final class DnnlConvolver implements Convolver {
    private final CpuBackend backend;
    private final ConvGeometry g;
    private final int filters;
    private final stream stream;
    private final List<Pointer> owned = new ArrayList<>();
    private final FloatPointer bias, biasGrad;          // (F): plain in every primitive
    private final DnnlOperand xFwd, wFwd, yFwd, dyData, wData, dxData, xWts, dyWts, dwWts;
    private final primitive fwd, bwdData, bwdWts;
    private final memory borderedX;                     // x with a zero border for a weight gradient padded beyond half its kernel, or null
    private final primitive toBordered;                 // xFwd's bf16 copy into borderedX's inside
    private final IntMemoryMap toBorderedArgs;
    private final boolean weightGradientAlone;          // on one OpenMP thread ({@link OpenMpThreads})
    private final IntMemoryMap fwdArgs, bwdDataArgs, bwdWtsArgs;
    private Tensor lastX;                               // the x whose copy xFwd holds
    private final ComposedReluPool reluPool;            // pooling where y or dy is in a layout BlockedPooling does not read
    private final Parallel parallel;
    private BlockedPooling pooledY, pooledDy;            // made on the first fused call with a pooling, and for a new one
    private memory.desc pooledLayout;                    // pooledY's output in y's channel blocks, for the next convolution
    private long[] pooledDims;                           // its {N, F, PH, PW}
    private final boolean keepLayouts;                   // outputs stay in oneDNN's layout, inputs are read in it (CpuMemory)
    private final LayoutCounter counter;

    /** keepLayouts: tensors keep oneDNN's layout between convolutions ({@link CpuMemory}); else every call converts. */
    DnnlConvolver(CpuBackend backend, Parallel parallel, LayoutCounter counter, boolean keepLayouts, ConvGeometry g, int filters) {
        this(backend, parallel, counter, keepLayouts, g, filters, false);
    }

    /**
     * bf16: the three primitives take their two inputs in bfloat16 (x and w, dy and w, x and dy:
     * oneDNN rounds them to nearest even as it reorders them from our float32) and write float32,
     * which oneDNN's AVX512-BF16 and AMX kernels sum in float32. Those kernels choose layouts
     * oneDNN's blocked float32 pooling does not read (NHWC on AMX), so operands travel through
     * oneDNN reorders and the pooling after a bf16 convolution is the backend's own.
     */
    DnnlConvolver(CpuBackend backend, Parallel parallel, LayoutCounter counter, boolean keepLayouts, ConvGeometry g, int filters, boolean bf16) {
        this.backend = backend;
        this.counter = counter;
        this.keepLayouts = keepLayouts;
        this.g = g;
        this.filters = filters;
        this.reluPool = new ComposedReluPool(backend, this);
        this.parallel = parallel;
        engine eng = Dnnl.engine();
        long n = g.n(), c = g.c(), h = g.h(), w = g.w(), oh = g.outH(), ow = g.outW();
        long[] xDims = {n, c, h, w}, wDims = {filters, c, g.kh(), g.kw()}, bDims = {filters}, yDims = {n, filters, oh, ow};
        long[] strides = {g.stride(), g.stride()}, pad = {g.pad(), g.pad()};
        stream = keep(new stream(eng));

        memory.data_type in = bf16 ? memory.data_type.bf16 : memory.data_type.f32, f32 = memory.data_type.f32;
        memory.desc bDesc = keep(new memory.desc(bDims, f32, memory.format_tag.x));
        convolution_forward.primitive_desc fpd = keep(new convolution_forward.primitive_desc(eng, forward_training, convolution_direct,
                any(xDims, in), any(wDims, in), bDesc, any(yDims, f32), strides, pad, pad));
        convolution_backward_data.primitive_desc dpd = keep(new convolution_backward_data.primitive_desc(eng, convolution_direct,
                any(xDims, f32), any(wDims, in), any(yDims, in), strides, pad, pad, fpd));
        primitive_attr deterministic = keep(new primitive_attr());
        deterministic.set_deterministic(true);
        // bf16 on a map of 64 positions or fewer: the weight gradient made for one OpenMP thread (oneDNN
        // fixes a primitive's thread count when it makes it), see OpenMpThreads for why
        weightGradientAlone = bf16 && (long) g.outH() * g.outW() <= 64 && OpenMpThreads.available();
        convolution_backward_weights.primitive_desc[] made = new convolution_backward_weights.primitive_desc[2];   // {wpd, bordered or null}
        Runnable make = () -> {
            made[0] = keep(new convolution_backward_weights.primitive_desc(eng, convolution_direct,
                    any(xDims, in), any(wDims, f32), bDesc, any(yDims, in), strides, pad, pad, fpd, deterministic, false));
            if (bf16 && made[0].impl_info_str().getString().contains("gemm")) {
                // oneDNN has no bf16 kernel for this weight gradient but a GEMM, twice as slow as its
                // float32 one (DeepConvNet's conv4, pad 2: 3.6 against 1.8 ms on AMX). Its AMX kernel
                // takes a padding of at most half the kernel: so x gets the rest as a zero border of its
                // own (the same sums), or else the float32 kernel reads x and dy converted back from
                // their bf16 copies (the same bf16 values)
                made[1] = borderedWeightGradient(eng, g, filters, bDesc, deterministic);
                made[0] = made[1] != null ? made[1] : keep(new convolution_backward_weights.primitive_desc(eng, convolution_direct,
                        any(xDims, f32), any(wDims, f32), bDesc, any(yDims, f32), strides, pad, pad, fpd, deterministic, false));
            }
        };
        if (weightGradientAlone) OpenMpThreads.alone(make);
        else make.run();
        convolution_backward_weights.primitive_desc wpd = made[0], bordered = made[1];

        DnnlOperand.Factory op = new DnnlOperand.Factory(eng, stream, parallel, counter, owned);
        xFwd = op.operand(xDims, memory.format_tag.nchw, fpd.src_desc());
        wFwd = op.operand(wDims, memory.format_tag.oihw, fpd.weights_desc());
        yFwd = op.operand(yDims, memory.format_tag.nchw, fpd.dst_desc());
        dyData = op.operand(yDims, memory.format_tag.nchw, dpd.diff_dst_desc());
        wData = op.operand(wDims, memory.format_tag.oihw, dpd.weights_desc());
        dxData = op.operand(xDims, memory.format_tag.nchw, dpd.diff_src_desc());
        if (bordered != null) {
            long border = g.pad() - (g.kh() - 1) / 2;
            borderedX = keep(new memory(bordered.src_desc(), eng));
            Pointer.memset(borderedX.get_data_handle(), 0, bordered.src_desc().get_size());   // the border, never written again
            memory inside = keep(new memory(keep(bordered.src_desc().submemory_desc(xDims, new long[] {0, 0, border, border})), eng,
                    borderedX.get_data_handle()));
            toBordered = keep(new reorder(xFwd.inner(), inside));
            toBorderedArgs = args(DNNL_ARG_FROM, xFwd.inner(), DNNL_ARG_TO, inside);
            xWts = xFwd;
        } else {
            borderedX = null;
            toBordered = null;
            toBorderedArgs = null;
            xWts = op.sameAs(xFwd, xDims, memory.format_tag.nchw, wpd.src_desc());
        }
        dyWts = op.sameAs(dyData, yDims, memory.format_tag.nchw, wpd.diff_dst_desc());
        dwWts = op.operand(wDims, memory.format_tag.oihw, wpd.diff_weights_desc());
        bias = keep(new FloatPointer(filters));
        biasGrad = keep(new FloatPointer(filters));
        memory biasMem = keep(new memory(bDesc, eng, bias)), biasGradMem = keep(new memory(bDesc, eng, biasGrad));

        fwd = keep(new convolution_forward(fpd));
        fwdArgs = args(DNNL_ARG_SRC, xFwd.inner(), DNNL_ARG_WEIGHTS, wFwd.inner(), DNNL_ARG_BIAS, biasMem, DNNL_ARG_DST, yFwd.inner());
        bwdData = keep(new convolution_backward_data(dpd));
        bwdDataArgs = args(DNNL_ARG_DIFF_DST, dyData.inner(), DNNL_ARG_WEIGHTS, wData.inner(), DNNL_ARG_DIFF_SRC, dxData.inner());
        convolution_backward_weights[] primitive = new convolution_backward_weights[1];
        Runnable makePrimitive = () -> primitive[0] = keep(new convolution_backward_weights(wpd));
        if (weightGradientAlone) OpenMpThreads.alone(makePrimitive);
        else makePrimitive.run();
        bwdWts = primitive[0];
        bwdWtsArgs = args(DNNL_ARG_SRC, borderedX != null ? borderedX : xWts.inner(), DNNL_ARG_DIFF_DST, dyWts.inner(), DNNL_ARG_DIFF_WEIGHTS, dwWts.inner(),
                DNNL_ARG_DIFF_BIAS, biasGradMem);
    }

    /**
     * The bf16 weight gradient of a convolution padded by more than half its kernel (DeepConvNet's
     * conv4: 3x3, pad 2), as one padded by half (pad 1) over x with the rest as a zero border
     * (14x14 to 16x16): the same sums, on oneDNN's AMX kernel. Null where oneDNN has none for it
     * either, or the padding is not more than half the kernel.
     */
    private convolution_backward_weights.primitive_desc borderedWeightGradient(engine eng, ConvGeometry g, int filters, memory.desc bDesc,
                                                                               primitive_attr attr) {
        long half = (g.kh() - 1) / 2, border = g.pad() - half;
        if (g.kh() != g.kw() || border <= 0) return null;
        long[] xDims = {g.n(), g.c(), g.h() + 2 * border, g.w() + 2 * border}, wDims = {filters, g.c(), g.kh(), g.kw()};
        long[] yDims = {g.n(), filters, g.outH(), g.outW()}, strides = {g.stride(), g.stride()}, pad = {half, half};
        memory.data_type bf16 = memory.data_type.bf16, f32 = memory.data_type.f32;
        memory.desc xDesc = keep(new memory.desc(xDims, bf16, memory.format_tag.nhwc));
        convolution_forward.primitive_desc hint = keep(new convolution_forward.primitive_desc(eng, forward_training, convolution_direct,
                xDesc, any(wDims, bf16), bDesc, any(yDims, f32), strides, pad, pad));
        convolution_backward_weights.primitive_desc wpd = keep(new convolution_backward_weights.primitive_desc(eng, convolution_direct,
                xDesc, any(wDims, f32), bDesc, any(yDims, bf16), strides, pad, pad, hint, attr, false));
        return wpd.impl_info_str().getString().contains("gemm") ? null : wpd;
    }

    /** How each operand travels, e.g. "x nChw16c, w reordered by oneDNN, ...": for tests and profiles. */
    String layouts() {
        return "x " + xFwd.layout() + ", w " + wFwd.layout() + ", y " + yFwd.layout() + ", dy " + dyData.layout()
                + ", dx " + dxData.layout() + ", dw " + dwWts.layout()
                + (borderedX != null ? ", x zero-bordered for dw" : xWts == xFwd ? "" : ", x for dw " + xWts.layout()) + (dyWts == dyData ? "" : ", dy for dw " + dyWts.layout())
                + (weightGradientAlone ? ", dw on one thread" : "");
    }

    @Override public ConvGeometry geometry() { return g; }

    @Override public int filters() { return filters; }

    private CpuMemory m(Tensor t) { return (CpuMemory) t.handle(backend, "convolution"); }

    /** An input's array, up to date. */
    private float[] in(Tensor t) { return m(t).arrayToRead(); }

    /** An output's array, to be overwritten whole. */
    private float[] out(Tensor t) { return m(t).arrayToOverwrite(); }

    /**
     * op holds t: pointed at t's blocked copy where that holds t in op's layout (the previous
     * convolution wrote it so), else loaded from t's array.
     */
    private void bindOrLoad(DnnlOperand op, Tensor t) {
        CpuMemory mem = m(t);
        if (keepLayouts && op.converted()) {                // bf16: converted from t's float32 blocked copy where it has one
            CpuMemory.Blocked copy = mem.blockedIfCurrent();
            if (copy != null) op.loadConverted(copy);
            else op.load(mem.arrayToRead());
            return;
        }
        CpuMemory.Blocked copy = keepLayouts && op.blockedActivation() ? mem.blockedIfCurrent(op.desc()) : null;
        if (copy != null) op.bind(copy);
        else op.load(mem.arrayToRead());
    }

    /** Whether op, an output, is written straight into its tensor's blocked copy ({@link #bindOutput}). */
    private boolean keeps(DnnlOperand op) { return keepLayouts && op.blockedActivation(); }

    /** op, an output, pointed at t's blocked copy (made on the first call), for the primitive to write in place. */
    private CpuMemory bindOutput(DnnlOperand op, Tensor t) {
        CpuMemory mem = m(t);
        op.bind(mem.blockedToWrite(op.desc(), op.dims(), op.channelBlock(), parallel, counter));
        return mem;
    }

    @Override public void forward(Tensor tx, Tensor tw, Tensor tb, Tensor ty) { forward(tx, tw, tb, ty, false); }

    /**
     * The ReLU as the output is copied back to the array. Not oneDNN's ReLU post-op: it turns
     * a NaN into 0 (measured, oneDNN 3.8.1), which would hide a diverging run.
     */
    @Override public void forwardRelu(Tensor tx, Tensor tw, Tensor tb, Tensor ty) { forward(tx, tw, tb, ty, true); }

    /** y stays in oneDNN's layout, ReLU'd there, where it keeps layouts; else it is stored to the array, ReLU'd on the way. */
    private void forward(Tensor tx, Tensor tw, Tensor tb, Tensor ty, boolean relu) {
        Checks.convolution(backend, g, filters, tx, tw, tb, ty);
        if (keeps(yFwd)) {
            CpuMemory my = bindOutput(yFwd, ty);
            runForward(tx, tw, tb);
            if (relu) yFwd.bound().relu();
            my.wroteBlocked();
            return;
        }
        yFwd.bindOwn();
        runForward(tx, tw, tb);
        if (relu) yFwd.storeRelu(out(ty));
        else yFwd.store(out(ty));
    }

    /** yFwd's inner = conv(x, w) + b. */
    private void runForward(Tensor tx, Tensor tw, Tensor tb) {
        bindOrLoad(xFwd, tx);
        lastX = tx;
        wFwd.load(in(tw));
        bias.position(0).put(in(tb), 0, filters);
        fwd.execute(stream, fwdArgs);
        stream._wait();
    }

    @Override public void backward(Tensor tx, Tensor tw, Tensor tdy, Tensor tdw, Tensor tdb, Tensor tdx) {
        backward(tx, tw, null, tdy, tdw, tdb, tdx);
    }

    /** dy is masked as it is copied off-heap for oneDNN: the ReLU's backward costs no pass of its own. */
    @Override public void backwardRelu(Tensor tx, Tensor tw, Tensor ty, Tensor tdy, Tensor tdw, Tensor tdb, Tensor tdx) {
        Checks.elementwise(backend, "convolution backwardRelu (y, dy)", ty, tdy);
        backward(tx, tw, ty, tdy, tdw, tdb, tdx);
    }

    /**
     * The ReLU and pooling read y where oneDNN wrote it, in its blocked layout
     * ({@link BlockedPooling}); where oneDNN chose a layout that does not read,
     * forwardRelu and the backend's pooling kernels ({@link ComposedReluPool}).
     */
    @Override public void forwardReluPool(Tensor tx, Tensor tw, Tensor tb, ConvGeometry pool, Tensor typ, Tensor targ) {
        if (yFwd.channelBlock() == 0) {
            reluPool.forward(tx, tw, tb, pool, typ, targ);
            return;
        }
        Checks.convolution(backend, g, filters, tx, tw, tb, null);
        Checks.convolutionPool(backend, g, filters, pool, typ, targ);
        if (pooledY == null || !pooledY.geometry().equals(pool)) {
            pooledY = new BlockedPooling(parallel, yFwd.channelBlock(), pool);
            pooledDims = new long[] {pool.n(), pool.c(), pool.outH(), pool.outW()};
            pooledLayout = keep(new memory.desc(pooledDims, memory.data_type.f32, yFwd.blockedTag()));
        }
        yFwd.bindOwn();
        runForward(tx, tw, tb);
        CpuMemory mp = m(typ);
        float[] yp = mp.arrayToOverwrite(), argmax = targ == null ? null : out(targ);
        if (keepLayouts && yFwd.channelBlock() > 1 && mp.blockedWanted()) {
            // both: the next convolution reads the blocked copy, this one's backward the array (its mask)
            CpuMemory.Blocked copy = mp.blockedToWrite(pooledLayout, pooledDims, yFwd.channelBlock(), parallel, counter);
            pooledY.forward(yFwd.innerFloats(), yp, argmax, copy.activation.floats());
            mp.wroteBoth();
        } else {
            pooledY.forward(yFwd.innerFloats(), yp, argmax, null);
        }
    }

    /** dy is unpooled straight into the layout oneDNN reads it in, where that is a blocked one ({@link BlockedPooling}). */
    @Override public void backwardReluPool(Tensor tx, Tensor tw, ConvGeometry pool, Tensor typ, Tensor targ, Tensor tdyp,
                                           Tensor tdw, Tensor tdb, Tensor tdx) {
        if (dyData.converted() && yFwd.channelBlock() > 0) {
            // bf16: unpooled in float32 in y's layout, then converted as oneDNN reorders it into dy's
            Checks.convolutionBackward(backend, g, filters, tx, tw, null, tdw, tdb, tdx);
            Checks.convolutionPool(backend, g, filters, pool, typ, targ, tdyp);
            if (pooledDy == null || !pooledDy.geometry().equals(pool)) pooledDy = new BlockedPooling(parallel, yFwd.channelBlock(), pool);
            BlockedActivation stage = dyData.stage(yFwd.desc(), yFwd.channelBlock());
            pooledDy.backward(in(tdyp), in(typ), in(targ), stage.floats());
            dyData.loadStaged();
            backwardFromDy(tx, tw, tdw, tdb, tdx);
            return;
        }
        if (dyData.channelBlock() == 0) {
            reluPool.backward(tx, tw, pool, typ, targ, tdyp, tdw, tdb, tdx);
            return;
        }
        Checks.convolutionBackward(backend, g, filters, tx, tw, null, tdw, tdb, tdx);
        Checks.convolutionPool(backend, g, filters, pool, typ, targ, tdyp);
        if (pooledDy == null || !pooledDy.geometry().equals(pool)) pooledDy = new BlockedPooling(parallel, dyData.channelBlock(), pool);
        dyData.bindOwn();
        pooledDy.backward(in(tdyp), in(typ), in(targ), dyData.innerFloats());
        backwardFromDy(tx, tw, tdw, tdb, tdx);
    }

    /**
     * ty null: plain backward; else dy masked to where ty is positive, in oneDNN's layout where
     * both dy and y are held in it (the next convolution's dx, this one's kept output).
     */
    private void backward(Tensor tx, Tensor tw, Tensor ty, Tensor tdy, Tensor tdw, Tensor tdb, Tensor tdx) {
        Checks.convolutionBackward(backend, g, filters, tx, tw, tdy, tdw, tdb, tdx);
        if (ty == null) {
            bindOrLoad(dyData, tdy);
        } else if (keepLayouts && dyData.converted() && maskedConverted(m(tdy), m(ty))) {
            // bf16: masked in float32 in the layout both are kept in, converted as oneDNN reorders it
        } else {
            CpuMemory mdy = m(tdy), my = m(ty);
            CpuMemory.Blocked dyCopy = keepLayouts && dyData.blockedActivation() ? mdy.blockedIfCurrent(dyData.desc()) : null;
            CpuMemory.Blocked yCopy = dyCopy == null ? null : my.blockedIfCurrent(dyData.desc());
            dyData.bindOwn();
            if (yCopy != null) dyData.bound().maskedFrom(dyCopy.activation, yCopy.activation);
            else dyData.loadReluMasked(mdy.arrayToRead(), my.arrayToRead());
        }
        backwardFromDy(tx, tw, tdw, tdb, tdx);
    }

    /**
     * dyData = dy masked where y is positive, where both are held in one float32 blocked layout
     * (this convolution's kept output, the next one's dx): masked into dyData's staging buffer and
     * converted from there. False, nothing done, where they are not.
     */
    private boolean maskedConverted(CpuMemory mdy, CpuMemory my) {
        CpuMemory.Blocked dyCopy = mdy.blockedIfCurrent();
        CpuMemory.Blocked yCopy = dyCopy == null ? null : my.blockedIfCurrent(dyCopy.layout());
        if (yCopy == null) return false;
        dyData.stage(dyCopy.layout(), dyCopy.activation.block).maskedFrom(dyCopy.activation, yCopy.activation);
        dyData.loadStaged();
        return true;
    }

    /** dx, dw, db from dy, already in dyData's inner memory. */
    private void backwardFromDy(Tensor tx, Tensor tw, Tensor tdw, Tensor tdb, Tensor tdx) {
        if (tdx != null) {
            wData.load(in(tw));
            if (keeps(dxData)) {
                CpuMemory mdx = bindOutput(dxData, tdx);
                bwdData.execute(stream, bwdDataArgs);
                stream._wait();
                mdx.wroteBlocked();
            } else {
                dxData.bindOwn();
                bwdData.execute(stream, bwdDataArgs);
                stream._wait();
                dxData.store(out(tdx));
            }
        }
        // x: forward's copy where this is forward's x; dy: the copy bwdData read
        if (tx != lastX) {
            bindOrLoad(xFwd, tx);
            lastX = tx;
        }
        if (xWts != xFwd) xWts.loadFromSibling();
        if (toBordered != null) {
            toBordered.execute(stream, toBorderedArgs);
            stream._wait();
        }
        if (dyWts != dyData) dyWts.loadFromSibling();
        bwdWts.execute(stream, bwdWtsArgs);
        stream._wait();
        dwWts.store(out(tdw));
        biasGrad.position(0).get(out(tdb), 0, filters);
    }

    private memory.desc any(long[] dims, memory.data_type type) {
        return keep(new memory.desc(dims, type, memory.format_tag.any));
    }

    private IntMemoryMap args(Object... pairs) {
        IntMemoryMap m = keep(new IntMemoryMap());
        for (int i = 0; i < pairs.length; i += 2) m.put((Integer) pairs[i], (memory) pairs[i + 1]);
        return m;
    }

    private <P extends Pointer> P keep(P p) {
        owned.add(p);
        return p;
    }

    @Override public void close() {
        reluPool.close();
        // the primitives and memories before the buffers they point into
        for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).close();
        owned.clear();
    }
}
