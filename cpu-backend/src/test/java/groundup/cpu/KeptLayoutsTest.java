package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Convolver;
import groundup.backend.Im2colConvolver;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Tensors that keep oneDNN's blocked layout between convolutions ({@link CpuMemory}): the same
 * bits as converting at every call, far fewer conversions, and a value written by any other
 * kernel is the one the next convolution reads.
 */
class KeptLayoutsTest {
    private static final int BATCH = 4, STEPS = 3;

    /** What a few training steps leave: each step's loss, every parameter after them, the conversions of the last step. */
    private record Run(float[] losses, List<float[]> parameters, long conversionsPerStep, long floatsPerStep) {}

    @Test void deepConvNetTrainsToTheSameBitsWithFewerConversions() {
        assumeTrue(Dnnl.available(), "oneDNN cannot load here" + Dnnl.whyNot());
        Run kept = train(true, Precision.FP32), converted = train(false, Precision.FP32);
        assertSameBits(kept, converted, Precision.FP32);
        // DeepConvNet, every convolution on oneDNN. Converting: each but conv1 (one channel, whose
        // NCHW is oneDNN's layout; no dx) packs x and unpacks dx, conv1, conv3 and conv5 also unpack
        // y and pack dy (the pooled three pool from oneDNN's layout and unpool into it): 16 a step,
        // and where oneDNN runs conv4's weight gradient in nChw8c (AVX-512), 2 reorders more. Kept:
        // the pooled conv2 and conv4 get their pooled dy unpacked (the unpooling reads NCHW), and
        // conv4's 2 reorders: 2 or 4.
        assertTrue((kept.conversionsPerStep == 2 || kept.conversionsPerStep == 4) && converted.conversionsPerStep == kept.conversionsPerStep + 14,
                kept.conversionsPerStep + " conversions a step kept, against " + converted.conversionsPerStep + " converted (2 or 4, and 14 more)");
        assertTrue(kept.floatsPerStep * 10 <= converted.floatsPerStep * 6,
                kept.floatsPerStep + " floats converted a step kept, against " + converted.floatsPerStep);
    }

    /**
     * bf16 on oneDNN's bf16 kernels: inputs converted from the kept float32 copies (and the
     * gradients masked or unpooled in float32 in that layout first), not through NCHW; the same bits.
     */
    @Test void deepConvNetInBf16TrainsToTheSameBitsKeptOrConverted() {
        assumeTrue(Dnnl.bf16Instructions() != null, "no bf16 instructions for oneDNN here" + Dnnl.whyNot());
        Run kept = train(true, Precision.BF16), converted = train(false, Precision.BF16);
        assertSameBits(kept, converted, Precision.BF16);
        assertTrue(kept.conversionsPerStep < converted.conversionsPerStep,
                kept.conversionsPerStep + " conversions a step kept, against " + converted.conversionsPerStep + " converted");
    }

    /** Kept and converted gave the same losses and parameters, bit for bit; prints the conversions of each. */
    private static void assertSameBits(Run kept, Run converted, Precision p) {
        assertArrayEquals(bits(converted.losses), bits(kept.losses), p + " losses, step by step");
        for (int i = 0; i < kept.parameters.size(); i++) {
            assertArrayEquals(bits(converted.parameters.get(i)), bits(kept.parameters.get(i)), p + " parameter " + i + " after " + STEPS + " steps");
        }
        System.out.printf("DeepConvNet in %s, batch %d: %d conversions (%d floats) a step kept, %d (%d) converted%n",
                p, BATCH, kept.conversionsPerStep, kept.floatsPerStep, converted.conversionsPerStep, converted.floatsPerStep);
    }

    private static Run train(boolean keep, Precision precision) {
        CpuBackend b = new CpuBackend(2, ConvolutionKind.AUTO, keep);
        Random r = new Random(3);
        float[] losses = new float[STEPS], one = new float[1];
        long c0 = 0, f0 = 0;
        try (Sequential net = Networks.create(NetworkSpec.of("deep-cnn"), b, 7, precision);
             Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 1e-3f, 0);
             Tensor x = b.allocate(net.batchShape(BATCH)); Tensor y = b.allocate(Shape.of(BATCH))) {
            for (int s = 0; s < STEPS; s++) {
                float[] pixels = new float[x.size()], labels = new float[BATCH];
                for (int i = 0; i < pixels.length; i++) pixels[i] = r.nextFloat();
                for (int i = 0; i < BATCH; i++) labels[i] = r.nextInt(10);
                b.upload(pixels, 0, x);
                b.uploadLabels(labels, 0, 10, y);
                c0 = b.layoutConversions();
                f0 = b.layoutConvertedFloats();
                net.reseed(s);
                b.download(net.loss(x, y, Mode.TRAIN), one, 0);
                losses[s] = one[0];
                net.backward();
                opt.step(net.parameters());
            }
            List<float[]> params = new ArrayList<>();
            for (Parameter p : net.parameters()) params.add(p.value().toArray());
            return new Run(losses, params, b.layoutConversions() - c0, b.layoutConvertedFloats() - f0);
        }
    }

    /**
     * A convolution's output held only in oneDNN's layout reads right through any other kernel,
     * and once another kernel writes it, the next convolution reads what was written, not the
     * stale blocked copy. 20 channels: the last block of 16 has padding lanes.
     */
    @Test void aValueWrittenByAnotherKernelIsTheOneTheNextConvolutionReads() {
        assumeTrue(Dnnl.available(), "oneDNN cannot load here" + Dnnl.whyNot());
        CpuBackend b = new CpuBackend(1, ConvolutionKind.DNNL, true);
        ConvGeometry g = new ConvGeometry(2, 20, 7, 5, 3, 3, 1, 1);
        Random r = new Random(5);
        try (Convolver first = b.convolver(g, 20); Convolver second = b.convolver(g, 20); Convolver oracle = new Im2colConvolver(b, g, 20);
             Tensor x = random(b, r, 2, 20, 7, 5); Tensor w1 = random(b, r, 20, 180); Tensor b1 = random(b, r, 20);
             Tensor w2 = random(b, r, 20, 180); Tensor b2 = random(b, r, 20);
             Tensor y = b.allocate(Shape.of(2, 20, 7, 5)); Tensor z = b.allocate(Shape.of(2, 20, 7, 5));
             Tensor want = b.allocate(Shape.of(2, 20, 7, 5))) {
            first.forwardRelu(x, w1, b1, y);
            long before = b.layoutConversions();
            float[] yWant = reluOf(oracle, b, x, w1, b1);
            assertArrayEquals(yWant, y.toArray(), 1e-4f, "the kept output, read through download");

            second.forward(y, w2, b2, z);                        // reads y's blocked copy: no conversion
            assertEquals(before + 1, b.layoutConversions(), "one unpack (the download above), no pack of y");
            oracle.forward(y, w2, b2, want);
            assertArrayEquals(want.toArray(), z.toArray(), 1e-4f, "the second convolution of the kept output");

            b.fill(y, 0.25f);                                    // a plain kernel writes y: its blocked copy is stale
            second.forward(y, w2, b2, z);
            oracle.forward(y, w2, b2, want);
            assertArrayEquals(want.toArray(), z.toArray(), 1e-4f, "the second convolution after y was filled");
        }
    }

    @Test void anUnknownLayoutsSettingIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuBackend.keepLayoutsChosen("blocked"));
        assertEquals("groundup.cpu.layouts must be kept or converted, got 'blocked'", e.getMessage());
        assertTrue(CpuBackend.keepLayoutsChosen(null));
        assertTrue(!CpuBackend.keepLayoutsChosen(" Converted "));
    }

    private static float[] reluOf(Convolver oracle, CpuBackend b, Tensor x, Tensor w, Tensor bias) {
        try (Tensor y = b.allocate(Shape.of(2, 20, 7, 5))) {
            oracle.forward(x, w, bias, y);
            float[] v = y.toArray();
            for (int i = 0; i < v.length; i++) v[i] = Math.max(v[i], 0f);
            return v;
        }
    }

    private static Tensor random(CpuBackend b, Random r, int... dims) {
        Tensor t = b.allocate(Shape.of(dims));
        float[] v = new float[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        b.upload(v, 0, t);
        return t;
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }
}
