package groundup.cpu;

import groundup.backend.ComposedReluPool;
import groundup.backend.Convolver;
import groundup.backend.Precision;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * A reduced-precision convolution on an fp32 convolver: x, w and dy rounded to the precision
 * into copies of this convolver's own, then the fp32 convolver's products. The products are the
 * oracle's ({@code Im2colConvolver} on a rounding gemm): a product of two bf16 values is exact
 * in float32, so y, dw and dx differ from it only in the order of the float32 sums; db sums the
 * rounded dy (as oneDNN's bf16 kernels do), where the oracle sums dy. Why: the CPU's bf16
 * emulation (no bf16 instructions, or {@code groundup.cpu.bf16=emulated}) runs on the path fp32
 * would take instead of the oracle's.
 * <pre>
 * forward:  y = fp32.forward(round(x), round(w), b)        (fused: ReLU, pooling as fp32's)
 * backward: fp32.backward(round(x), round(w), round(dy))   round(x), round(w): the forward's copies
 *           (x and w come back unchanged, the contract)
 * pooled backward: round(dyp), then fp32's unpooling: each element of dy is one dyp or 0 where
 *           the windows do not overlap; where they do (a sum of two), the composition instead,
 *           whose full dy is rounded as it is
 * </pre>
 * Inputs are never modified.
 */
final class RoundedInputsConvolver implements Convolver {
    private final CpuBackend b;
    private final Convolver fp32;
    private final Precision p;
    private final ComposedReluPool overlapping;     // pooling whose windows overlap, over this convolver's forwardRelu and backward
    private Tensor x, w, dy;                        // the rounded copies, made on first use and on a change of shape

    RoundedInputsConvolver(CpuBackend b, Convolver fp32, Precision p) {
        if (p == Precision.FP32) throw new IllegalArgumentException("fp32 has nothing to round: use the fp32 convolver");
        this.b = b;
        this.fp32 = fp32;
        this.p = p;
        this.overlapping = new ComposedReluPool(b, this);
    }

    @Override public ConvGeometry geometry() { return fp32.geometry(); }

    @Override public int filters() { return fp32.filters(); }

    @Override public void forward(Tensor tx, Tensor tw, Tensor tb, Tensor ty) {
        fp32.forward(roundX(tx), roundW(tw), tb, ty);
    }

    @Override public void forwardRelu(Tensor tx, Tensor tw, Tensor tb, Tensor ty) {
        fp32.forwardRelu(roundX(tx), roundW(tw), tb, ty);
    }

    @Override public void forwardReluPool(Tensor tx, Tensor tw, Tensor tb, ConvGeometry pool, Tensor typ, Tensor targ) {
        if (overlaps(pool)) overlapping.forward(tx, tw, tb, pool, typ, targ);
        else fp32.forwardReluPool(roundX(tx), roundW(tw), tb, pool, typ, targ);
    }

    /** x and w are the last forward's, unchanged (the contract): their rounded copies are still current. */
    @Override public void backward(Tensor tx, Tensor tw, Tensor tdy, Tensor tdw, Tensor tdb, Tensor tdx) {
        fp32.backward(forwardX(), w, roundDy(tdy), tdw, tdb, tdx);
    }

    @Override public void backwardRelu(Tensor tx, Tensor tw, Tensor ty, Tensor tdy, Tensor tdw, Tensor tdb, Tensor tdx) {
        fp32.backwardRelu(forwardX(), w, ty, roundDy(tdy), tdw, tdb, tdx);       // the mask of a rounded dy is the rounded masked dy
    }

    @Override public void backwardReluPool(Tensor tx, Tensor tw, ConvGeometry pool, Tensor typ, Tensor targ, Tensor tdyp,
                                           Tensor tdw, Tensor tdb, Tensor tdx) {
        if (overlaps(pool)) overlapping.backward(tx, tw, pool, typ, targ, tdyp, tdw, tdb, tdx);
        else fp32.backwardReluPool(forwardX(), w, pool, typ, targ, roundDy(tdyp), tdw, tdb, tdx);
    }

    /** Whether a pooled gradient's windows can send two values to one element of dy. */
    private static boolean overlaps(ConvGeometry pool) {
        return pool.stride() < pool.kh() || pool.stride() < pool.kw();
    }

    private Tensor roundX(Tensor src) { return x = rounded(src, x); }

    private Tensor forwardX() {
        if (x == null) throw new IllegalStateException("a convolution's backward before its forward: " + fp32.geometry());
        return x;
    }

    private Tensor roundW(Tensor src) { return w = rounded(src, w); }

    private Tensor roundDy(Tensor src) { return dy = rounded(src, dy); }

    private Tensor rounded(Tensor src, Tensor copy) {
        Shape s = src.shape();
        if (copy == null || !copy.shape().equals(s)) {
            if (copy != null) copy.close();
            copy = b.allocate(s);
        }
        b.round(p, src, copy);
        return copy;
    }

    @Override public void close() {
        overlapping.close();
        fp32.close();
        for (Tensor t : new Tensor[] {x, w, dy}) if (t != null) t.close();
    }
}
