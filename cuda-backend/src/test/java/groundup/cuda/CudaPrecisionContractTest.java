package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.StepGraph;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import groundup.testing.PrecisionContract;
import groundup.testing.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reduced-precision contract on CUDA (bf16 and tf32, both through cublasGemmEx on inputs our
 * kernels round); on the GPU, else on the host stand-in (HostStandIn), whose GemmEx widens bf16
 * exactly and reads float32 in TF32 by dropping the low bits; skipped with the reason where
 * neither can run.
 */
@Tag("cuda-device")
class CudaPrecisionContractTest extends PrecisionContract {
    @Override protected Backend createBackend() { return Gpu.backendOrSkip(); }

    @Override protected List<Precision> precisions() { return List.of(Precision.BF16, Precision.TF32); }

    /**
     * The rounding kernels are {@link Precision#round} bit for bit: a (n, 1) times b (1, 1) = 1 is
     * the rounded a itself (a product with 1 and a sum with 0 are exact), so c shows each rounded
     * input. Random bit patterns of every normal exponent, ties either way, values that round up
     * to the next power of two or past the largest finite one, infinities and NaN with a payload in
     * the dropped bits only (a NaN must stay one). Zero's sign is not compared: 0 + -0 is 0.
     * Subnormals are left out: a GPU's tensor cores may flush them, which is not the rounding's doing.
     */
    @Test void theRoundingKernelsAreThePrecisionsRoundingBitForBit() {
        Random r = new Random(34);
        List<Float> values = new ArrayList<>(List.of(1f + 0x1p-8f, 1f + 0x1p-7f + 0x1p-8f, -(1f + 0x1p-8f), 1f + 0x1p-11f,
                1f + 0x1p-10f + 0x1p-11f, 2f - 0x1p-23f, -2f + 0x1p-23f, Float.MAX_VALUE, -Float.MAX_VALUE, 0x1.fffp127f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xff800fff),
                Float.MIN_NORMAL, 0f, -0f, 1f, -3.75f));
        while (values.size() < 4096) {
            float v = Float.intBitsToFloat(r.nextInt());
            if (Float.isFinite(v) && Math.abs(v) >= Float.MIN_NORMAL) values.add(v);
        }
        float[] a = new float[values.size()];
        for (int i = 0; i < a.length; i++) a[i] = values.get(i);
        for (Precision p : precisions()) {
            try (Tensor A = Tensors.upload(b, a, a.length, 1); Tensor one = Tensors.upload(b, new float[] {1f}, 1, 1);
                 Tensor C = b.allocate(Shape.of(a.length, 1))) {
                b.gemm(p, false, false, 1f, A, one, 0f, C);
                float[] got = C.toArray();
                for (int i = 0; i < a.length; i++) {
                    float want = p.round(a[i]);
                    String what = p + " of " + a[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(a[i])) + "): want " + want
                            + ", got " + got[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(got[i])) + ")";
                    if (Float.isNaN(want)) assertTrue(Float.isNaN(got[i]), what);
                    else if (want == 0f) assertEquals(0f, Math.abs(got[i]), what);
                    else assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), what);
                }
            }
        }
    }

    /**
     * A reduced-precision GEMM rounds into buffers the backend grows on demand; a step being
     * recorded may not grow them (a graph can neither wait nor allocate), so recording a product
     * bigger than any run before it fails, naming the buffer, and leaves the backend usable: run
     * once, the same step records, and its launch computes the product.
     */
    @Test void aRecordedProductNeedsItsBuffersMadeByAnEagerRunFirst() {
        try (Backend fresh = new CudaBackendProvider().create();
             Tensor A = Tensors.upload(fresh, Tensors.random(new Random(35), 64 * 48), 64, 48);
             Tensor B = Tensors.upload(fresh, Tensors.random(new Random(36), 48 * 16), 48, 16); Tensor C = fresh.allocate(Shape.of(64, 16))) {
            Runnable product = () -> fresh.gemm(Precision.BF16, false, false, 1f, A, B, 0f, C);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> fresh.record(product));
            assertTrue(e.getMessage().contains("rounded gemm input a") && e.getMessage().contains("must run once before it is recorded"), e.getMessage());
            product.run();
            float[] eager = C.toArray();
            fresh.fill(C, 0f);
            try (StepGraph step = fresh.record(product)) {
                step.launch();
                assertArrayEquals(eager, C.toArray(), "the recorded product");
            }
        }
    }

    @Test void theDetailNamesTheFormatAndFp32StaysFp32() {
        assertEquals("fp32", b.precisionDetail(Precision.FP32));
        assertTrue(b.precisionDetail(Precision.BF16).startsWith("bf16: cuBLAS GemmEx on bf16 inputs, fp32 sums"), b.precisionDetail(Precision.BF16));
        assertTrue(b.precisionDetail(Precision.TF32).startsWith("tf32: "), b.precisionDetail(Precision.TF32));
        // fp32 means fp32: an input just above 1 by less than a tf32 ulp survives the product
        float x = 1f + 0x1p-20f;
        try (Tensor A = Tensors.upload(b, new float[] {x}, 1, 1); Tensor one = Tensors.upload(b, new float[] {1f}, 1, 1);
             Tensor C = b.allocate(Shape.of(1, 1))) {
            b.gemm(false, false, 1f, A, one, 0f, C);
            assertEquals(x, C.toArray()[0], "fp32 gemm");
            b.gemm(Precision.FP32, false, false, 1f, A, one, 0f, C);
            assertEquals(x, C.toArray()[0], "gemm(FP32, ...)");
            b.gemm(Precision.TF32, false, false, 1f, A, one, 0f, C);
            assertEquals(1f, C.toArray()[0], "gemm(TF32, ...)");
            b.gemm(false, false, 1f, A, one, 0f, C);
            assertEquals(x, C.toArray()[0], "fp32 gemm after a tf32 one");
        }
    }
}
