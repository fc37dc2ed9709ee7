package groundup.cpu;

import static groundup.testing.Tensors.assertClose;
import static groundup.testing.Tensors.random;
import static groundup.testing.Tensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Convolver;
import groundup.backend.Im2colConvolver;
import groundup.backend.Precision;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bf16 emulation's fused paths (ReLU; ReLU and pooling, the book's 2x2 and an overlapping
 * 3x3 stride 2) on each fp32 convolution path against the oracle, {@link Im2colConvolver} in
 * bf16 (the same rounded inputs, a rounding gemm): exact products, so only float32 sums in
 * another order differ, and the tolerance is float32's, far under bf16's rounding (2^-9 of an
 * input). The contract ({@code CpuRoundedInputsPrecisionContractTest}) covers the plain forward
 * and backward.
 */
class RoundedInputsConvolverTest {
    private static final double RTOL = 1e-4, ATOL = 1e-5;

    @Test void theFusedPathsGiveTheOraclesNumbersOnEveryFp32Path() {
        Random r = new Random(41);
        // 16 channels fill one of oneDNN's blocks; 1 channel is a first layer's; 9x9 maps leave a row and a column unpooled
        ConvGeometry g = new ConvGeometry(3, 16, 9, 9, 3, 3, 1, 1), thin = new ConvGeometry(3, 1, 9, 9, 3, 3, 1, 1);
        for (ConvolutionKind kind : List.of(ConvolutionKind.DNNL, ConvolutionKind.GEMM)) {
            if (kind == ConvolutionKind.DNNL && !Dnnl.available()) continue;
            try (CpuBackend b = new CpuBackend(2, kind, true, true)) {     // bf16 emulated, whatever the CPU has
                for (ConvGeometry geom : List.of(g, thin)) {
                    for (ConvGeometry pool : List.of(pool(geom, 2, 2), pool(geom, 3, 2))) {
                        check(b, geom, 12, pool, r, kind + " " + geom + " pool " + pool.kh() + "x" + pool.kw() + "/" + pool.stride());
                    }
                }
            }
        }
    }

    private static ConvGeometry pool(ConvGeometry g, int k, int s) {
        return new ConvGeometry(g.n(), 12, g.outH(), g.outW(), k, k, s, 0);
    }

    private static void check(CpuBackend b, ConvGeometry g, int f, ConvGeometry pool, Random r, String what) {
        List<Tensor> live = new ArrayList<>();
        int ckk = g.c() * g.kh() * g.kw();
        Shape yShape = Shape.of(g.n(), f, g.outH(), g.outW()), pShape = pool.pooledShape();
        float[] xv = random(r, g.inputShape().size()), wv = random(r, f * ckk), bv = random(r, f);
        Tensor x = keep(live, upload(b, xv, g.inputShape().dims())), w = keep(live, upload(b, wv, f, ckk)), bias = keep(live, upload(b, bv, f));
        Tensor dy = keep(live, upload(b, random(r, yShape.size()), yShape.dims())), dyp = keep(live, upload(b, random(r, pShape.size()), pShape.dims()));
        try (Convolver got = b.convolver(g, f, Precision.BF16); Convolver want = new Im2colConvolver(b, g, f, Precision.BF16)) {
            assertTrue(got instanceof RoundedInputsConvolver, what + ": " + got.getClass().getSimpleName());
            Tensor[] a = outputs(b, live, g, f, pool), e = outputs(b, live, g, f, pool);
            // ReLU
            got.forwardRelu(x, w, bias, a[0]);
            want.forwardRelu(x, w, bias, e[0]);
            assertClose(e[0].toArray(), a[0].toArray(), RTOL, ATOL * ckk, what + " forwardRelu");
            got.backwardRelu(x, w, a[0], dy, a[1], a[2], a[3]);
            want.backwardRelu(x, w, e[0], dy, e[1], e[2], e[3]);
            grads(a, e, g, f, what + " backwardRelu");
            // ReLU and pooling
            got.forwardReluPool(x, w, bias, pool, a[4], a[5]);
            want.forwardReluPool(x, w, bias, pool, e[4], e[5]);
            assertClose(e[4].toArray(), a[4].toArray(), RTOL, ATOL * ckk, what + " forwardReluPool");
            assertArrayEquals(e[5].toArray(), a[5].toArray(), what + " the winners");
            got.backwardReluPool(x, w, pool, a[4], a[5], dyp, a[1], a[2], a[3]);
            want.backwardReluPool(x, w, pool, e[4], e[5], dyp, e[1], e[2], e[3]);
            grads(a, e, g, f, what + " backwardReluPool");
            // inference: no winners kept, the same pooled output
            b.fill(a[4], Float.NaN);
            got.forwardReluPool(x, w, bias, pool, a[4], null);
            assertClose(e[4].toArray(), a[4].toArray(), RTOL, ATOL * ckk, what + " forwardReluPool without winners");
            assertArrayEquals(xv, x.toArray(), what + ": x unchanged");
            assertArrayEquals(wv, w.toArray(), what + ": w unchanged");
        } finally {
            live.forEach(Tensor::close);
        }
    }

    /** {y, dw, db, dx, yp, argmax}. */
    private static Tensor[] outputs(CpuBackend b, List<Tensor> live, ConvGeometry g, int f, ConvGeometry pool) {
        Shape[] s = {Shape.of(g.n(), f, g.outH(), g.outW()), Shape.of(f, g.c() * g.kh() * g.kw()), Shape.of(f), g.inputShape(),
            pool.pooledShape(), pool.pooledShape()};
        Tensor[] t = new Tensor[s.length];
        for (int i = 0; i < s.length; i++) t[i] = keep(live, b.allocate(s[i]));
        return t;
    }

    private static void grads(Tensor[] a, Tensor[] e, ConvGeometry g, int f, String what) {
        assertClose(e[1].toArray(), a[1].toArray(), RTOL, ATOL * g.n() * g.outH() * g.outW(), what + " dw");
        assertClose(e[3].toArray(), a[3].toArray(), RTOL, ATOL * f * g.kh() * g.kw(), what + " dx");
        // db: the oracle sums dy as it is, the emulation the rounded dy (as oneDNN's bf16 kernels): bf16's error, not float32's
        assertClose(e[2].toArray(), a[2].toArray(), 1e-2, 1e-2 * g.n() * g.outH() * g.outW(), what + " db");
    }

    private static Tensor keep(List<Tensor> live, Tensor t) {
        live.add(t);
        return t;
    }

    /**
     * A convolution's output kept in oneDNN's layout is rounded there and read in place by the
     * next emulated convolution: no conversion to NCHW and back, and the oracle's numbers.
     * 20 channels: the last block of 16 has padding lanes.
     */
    @Test void aKeptOutputIsRoundedInItsLayoutAndReadInPlace() {
        assumeTrue(Dnnl.available(), "oneDNN cannot load here" + Dnnl.whyNot());
        Random r = new Random(43);
        ConvGeometry g = new ConvGeometry(2, 20, 7, 5, 3, 3, 1, 1);
        Shape yShape = Shape.of(2, 20, 7, 5);
        List<Tensor> live = new ArrayList<>();
        try (CpuBackend b = new CpuBackend(2, ConvolutionKind.DNNL, true, true);
             Convolver first = b.convolver(g, 20, Precision.BF16); Convolver second = b.convolver(g, 20, Precision.BF16);
             Convolver oracle = new Im2colConvolver(b, g, 20, Precision.BF16)) {
            Tensor x = keep(live, upload(b, random(r, yShape.size()), yShape.dims()));
            Tensor w1 = keep(live, upload(b, random(r, 20 * 180), 20, 180)), w2 = keep(live, upload(b, random(r, 20 * 180), 20, 180));
            Tensor b1 = keep(live, upload(b, random(r, 20), 20)), b2 = keep(live, upload(b, random(r, 20), 20));
            Tensor y = keep(live, b.allocate(yShape)), z = keep(live, b.allocate(yShape)), want = keep(live, b.allocate(yShape));
            first.forwardRelu(x, w1, b1, y);                 // y: only in oneDNN's layout
            assertTrue(((CpuMemory) y.handle(b, "test")).blockedIfCurrent() != null, "y is held in oneDNN's layout, the case under test");
            long before = b.layoutConversions();
            second.forward(y, w2, b2, z);
            assertEquals(before, b.layoutConversions(), "y rounded in its layout and read there: no conversion");
            oracle.forward(y, w2, b2, want);
            assertClose(want.toArray(), z.toArray(), RTOL, ATOL * 180, "the second convolution of the kept, rounded output");
        } finally {
            live.forEach(Tensor::close);
        }
    }

    @Test void anUnknownBf16SettingIsNamed() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> CpuBackend.bf16EmulatedChosen("on"));
        assertEquals("groundup.cpu.bf16 must be auto or emulated, got 'on'", ex.getMessage());
        assertTrue(CpuBackend.bf16EmulatedChosen(" Emulated "));
        assertFalse(CpuBackend.bf16EmulatedChosen(null));
    }
}
