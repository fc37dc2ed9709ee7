package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.cpu.CpuBackend;
import groundup.nn.Affine;
import groundup.nn.BatchNormalization;
import groundup.nn.ConvBlock;
import groundup.nn.Convolution;
import groundup.nn.Dropout;
import groundup.nn.Init;
import groundup.nn.Layer;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Pooling;
import groundup.nn.Relu;
import groundup.nn.Sequential;
import groundup.nn.Sigmoid;
import groundup.nn.Tanh;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import groundup.testing.BackendTestBase;
import groundup.testing.Tensors;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CPU and CUDA agree: every layer's forward and backward on the same random inputs, and
 * SimpleConvNet trained 100 steps from the same seed on both gives loss curves that agree (see
 * {@link #simpleConvNetTrainsAlikeForAHundredSteps} for how closely, and why), and so do a few
 * steps of SimpleConvNet and DeepConvNet in bf16. On the GPU, else
 * on the host stand-in (HostStandIn); skipped with the reason where neither can run.
 */
@Tag("cuda-device")
class CudaParityTest extends BackendTestBase {
    private final Backend cpu = new CpuBackend(2);
    private Backend gpu;

    @Override protected Backend createBackend() {
        gpu = Gpu.backendOrSkip();
        return gpu;
    }

    @Override protected void closeResources() { cpu.close(); }

    /** Builds the same layer (same seed) on both backends and compares y, dx and every parameter gradient. */
    private void same(String what, Function<Backend, Layer> make, int... dims) {
        Random r = new Random(what.hashCode());
        float[] x = Tensors.random(r, Shape.of(dims).size());
        try (Layer lc = make.apply(cpu); Layer lg = make.apply(gpu);
             Tensor xc = Tensors.upload(cpu, x, dims); Tensor xg = Tensors.upload(gpu, x, dims)) {
            lc.reseed(3);
            lg.reseed(3);
            float[] yc = lc.forward(xc, Mode.TRAIN).toArray(), yg = lg.forward(xg, Mode.TRAIN).toArray();
            Tensors.assertClose(yc, yg, 1e-4, 1e-5, what + " forward");
            float[] dy = Tensors.random(r, yc.length);
            int[] ydims = lc.outputShape(Shape.of(dims)).dims();
            try (Tensor dc = Tensors.upload(cpu, dy, ydims); Tensor dg = Tensors.upload(gpu, dy, ydims)) {
                Tensor dxc = lc.backward(dc), dxg = lg.backward(dg);
                Tensors.assertClose(dxc.toArray(), dxg.toArray(), 1e-4, 1e-5, what + " dx");
                List<Parameter> pc = lc.parameters(), pg = lg.parameters();
                for (int i = 0; i < pc.size(); i++) {
                    Tensors.assertClose(pc.get(i).grad().toArray(), pg.get(i).grad().toArray(), 1e-3, 1e-4, what + " " + pc.get(i).name());
                }
            }
        }
    }

    @Test void everyLayerAgrees() {
        same("affine", b -> new Affine(b, 20, 7, Init.he(), new Random(1), "fc"), 5, 20);
        same("relu", Relu::new, 4, 33);
        same("sigmoid", Sigmoid::new, 4, 33);
        same("tanh", Tanh::new, 4, 33);
        same("conv", b -> new Convolution(b, 3, 8, 3, 3, 1, 1, Init.he(), new Random(2), "c"), 4, 3, 11, 9);
        same("conv stride 2", b -> new Convolution(b, 2, 4, 5, 5, 2, 2, Init.he(), new Random(3), "c"), 3, 2, 12, 12);
        same("conv block", b -> new ConvBlock(b, 3, 8, 3, 1, 1, 2, 2, true, Init.he(), new Random(2), "c"), 4, 3, 11, 9);
        same("conv block, no pooling", b -> new ConvBlock(b, 3, 8, 3, 1, 1, 0, 0, true, Init.he(), new Random(2), "c"), 4, 3, 11, 9);
        same("conv block as its parts", b -> new ConvBlock(b, 3, 8, 3, 1, 1, 3, 2, false, Init.he(), new Random(2), "c"), 4, 3, 11, 9);
        same("pool", b -> new Pooling(b, 2, 2, 2, 0), 4, 3, 10, 10);
        same("pool overlapping", b -> new Pooling(b, 3, 3, 1, 0), 2, 2, 7, 7);
        same("batchnorm 4d", b -> new BatchNormalization(b, 3, 0.9f, 1e-6f, "bn"), 6, 3, 5, 5);
        same("batchnorm 2d", b -> new BatchNormalization(b, 7, 0.9f, 1e-6f, "bn"), 9, 7);
        same("dropout", b -> new Dropout(b, 0.5f, 1), 8, 50);
    }

    /**
     * SimpleConvNet trained 100 Adam steps from the same seed and data on both backends. Two
     * correct float32 backends do not give the same curve for long: their sums run in other
     * orders (and a GPU fuses multiplies and adds), and training amplifies those rounding
     * differences until the curves are two samples of one process. So:
     * <ul>
     * <li>the first 10 steps agree to 1e-4 relative: rounding has not been amplified yet, and any
     *     wrong gradient or update shows from step 2 on;</li>
     * <li>after that, the mean loss of each window of 10 steps agrees to within what rounding
     *     alone does to the CPU's own curve: a control run on the CPU whose first batch is
     *     perturbed by one part in 10^6 (about 16 float32 ulps) gives the envelope; CUDA may stray
     *     4 times that, or 2% of the window's loss plus 0.001 (the loss falls to about 1e-4 here,
     *     where relative differences mean little), whichever is larger;</li>
     * <li>and the loss falls by half on both. The data are learnable (the class is where a bright
     *     patch sits), so the curve spans 2.3 down to about 1e-4 and every window tests something.</li>
     * </ul>
     */
    @Test void simpleConvNetTrainsAlikeForAHundredSteps() {
        int steps = 100, batch = 32, window = 10;
        Random r = new Random(5);
        float[][] xs = new float[4][], ys = new float[4][];
        learnable(r, batch, xs, ys);
        double[] lc = losses(cpu, xs, ys, steps, batch, 0, Precision.FP32), lg = losses(gpu, xs, ys, steps, batch, 0, Precision.FP32);
        double[] control = losses(cpu, xs, ys, steps, batch, 1e-6, Precision.FP32);
        for (int s = 0; s < window; s++) {
            assertEquals(lc[s], lg[s], 1e-4 * Math.max(1, Math.abs(lc[s])), "loss at step " + (s + 1) + " (cpu " + lc[s] + ", cuda " + lg[s] + ")");
        }
        for (int w = window; w < steps; w += window) {
            double c = mean(lc, w, window), g = mean(lg, w, window), envelope = Math.abs(mean(control, w, window) - c);
            double allowed = Math.max(4 * envelope, 0.02 * c + 1e-3);
            assertTrue(Math.abs(g - c) <= allowed, String.format("steps %d-%d: mean loss cpu %.5f, cuda %.5f, differ by more than %.5f "
                    + "(rounding envelope %.5f)", w + 1, w + window, c, g, allowed, envelope));
        }
        System.out.printf("[CudaParityTest] mean loss of steps 1-10, 91-100: cpu %.4f, %.4f; cuda %.4f, %.4f%n", mean(lc, 0, window),
                mean(lc, steps - window, window), mean(lg, 0, window), mean(lg, steps - window, window));
        assertTrue(mean(lc, steps - window, window) < 0.5 * mean(lc, 0, window), "the CPU loss fell by half");
        assertTrue(mean(lg, steps - window, window) < 0.5 * mean(lg, 0, window), "the CUDA loss fell by half");
    }

    /**
     * SimpleConvNet and DeepConvNet, 8 Adam steps in bf16 on both backends from the same seed and
     * data. Both round the same inputs to the same bf16 values (a product of two is exact in
     * float32), yet their curves part faster than in fp32: rounding to bf16 is a step function, so
     * a difference of a float32 ulp (the sums' order) moves the odd value across a rounding
     * boundary, a whole bf16 ulp (2^-8), and each layer after it spreads that further (DeepConvNet's
     * six convolutions: 1e-3 relative by its logits in the first forward already), as do Adam's
     * early steps (about lr times the gradient's sign). The bound is what that does to the CPU's
     * own curve: a control run whose first batch is scaled by 1 + 1e-6 gives the envelope (its
     * largest difference over the steps), and CUDA may stray 4 times that, or 1e-4 of the loss at
     * the first step and 1e-3 after it, whichever is larger. The CUDA bf16 losses differ from its
     * fp32 ones (by 1e-5 relative at some step): the run was in bf16.
     */
    @Test void bf16TrainsAlikeOnBothForEightSteps() {
        int steps = 8, batch = 10;
        float[][] xs = new float[4][], ys = new float[4][];
        learnable(new Random(6), batch, xs, ys);
        for (String net : List.of("simple-cnn", "deep-cnn")) {
            double[] lc = losses(cpu, net, xs, ys, steps, batch, 0, Precision.BF16), lg = losses(gpu, net, xs, ys, steps, batch, 0, Precision.BF16);
            double[] control = losses(cpu, net, xs, ys, steps, batch, 1e-6, Precision.BF16), fp32 = losses(gpu, net, xs, ys, steps, batch, 0, Precision.FP32);
            double envelope = 0, fromFp32 = 0;
            for (int s = 0; s < steps; s++) {
                envelope = Math.max(envelope, Math.abs(control[s] - lc[s]));
                fromFp32 = Math.max(fromFp32, Math.abs(lg[s] - fp32[s]) / fp32[s]);
            }
            for (int s = 0; s < steps; s++) {
                double allowed = Math.max(4 * envelope, (s == 0 ? 1e-4 : 1e-3) * lc[s]);
                assertTrue(Math.abs(lg[s] - lc[s]) <= allowed, String.format("%s bf16 step %d: loss cpu %.6f, cuda %.6f, differ by more than %.6f "
                        + "(the rounding envelope: %.6f)", net, s + 1, lc[s], lg[s], allowed, envelope));
            }
            assertTrue(fromFp32 > 1e-5, net + ": the CUDA bf16 losses are within " + fromFp32 + " of fp32's, relative: the run was not in bf16");
            System.out.printf("[CudaParityTest] %s bf16, steps 1 and %d: cpu %.6f, %.6f; cuda %.6f, %.6f; envelope %.6f%n", net, steps, lc[0], lc[steps - 1],
                    lg[0], lg[steps - 1], envelope);
        }
    }

    /** Four batches, learnable: faint noise, and a bright 6x6 patch whose place is the class. */
    private static void learnable(Random r, int batch, float[][] xs, float[][] ys) {
        for (int k = 0; k < 4; k++) {
            xs[k] = new float[batch * 784];
            ys[k] = new float[batch];
            for (int i = 0; i < xs[k].length; i++) xs[k][i] = 0.2f * r.nextFloat();
            for (int i = 0; i < batch; i++) {
                int label = r.nextInt(10), top = 2 + 12 * (label / 5), left = 1 + 5 * (label % 5);
                ys[k][i] = label;
                for (int y = top; y < top + 6; y++) for (int x = left; x < left + 6; x++) xs[k][i * 784 + y * 28 + x] = 0.8f + 0.2f * r.nextFloat();
            }
        }
    }

    private static double mean(double[] v, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) s += v[i];
        return s / n;
    }

    private static double[] losses(Backend b, float[][] xs, float[][] ys, int steps, int batch, double perturb, Precision p) {
        return losses(b, "simple-cnn", xs, ys, steps, batch, perturb, p);
    }

    /** The loss of each step of the network in precision p; the first batch's pixels scaled by (1 + perturb) at step 1 only. */
    private static double[] losses(Backend b, String spec, float[][] xs, float[][] ys, int steps, int batch, double perturb, Precision p) {
        double[] out = new double[steps];
        float[] one = new float[1];
        try (Sequential net = Networks.create(NetworkSpec.of(spec), b, 7, p); Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 1e-3f, 0);
             Tensor x = b.allocate(net.batchShape(batch)); Tensor y = b.allocate(Shape.of(batch))) {
            for (int s = 0; s < steps; s++) {
                float[] in = xs[s % 4];
                if (s == 0 && perturb != 0) {
                    in = in.clone();
                    for (int i = 0; i < in.length; i++) in[i] *= (float) (1 + perturb);
                }
                b.upload(in, 0, x);
                b.uploadLabels(ys[s % 4], 0, 10, y);
                net.reseed(s);
                b.download(net.loss(x, y, Mode.TRAIN), one, 0);
                out[s] = one[0];
                net.backward();
                opt.step(net.parameters());
            }
        }
        return out;
    }
}
