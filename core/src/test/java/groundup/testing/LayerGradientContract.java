package groundup.testing;

import static groundup.testing.Tensors.random;
import static groundup.testing.Tensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.nn.Affine;
import groundup.nn.BatchNormalization;
import groundup.nn.ConvBlock;
import groundup.nn.Convolution;
import groundup.nn.Dropout;
import groundup.nn.GradientCheck;
import groundup.nn.Init;
import groundup.nn.Layer;
import groundup.nn.MeanSquaredError;
import groundup.nn.SoftmaxWithLoss;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Pooling;
import groundup.nn.Relu;
import groundup.nn.Sequential;
import groundup.nn.Sigmoid;
import groundup.nn.Tanh;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A numerical gradient check for every layer, loss and book network, run by each backend
 * module, with {@link GradientCheck}'s own tolerances; and for each layer a 1% error planted in
 * its backward ({@link PlantedBackend}), which the same check must catch in that layer's row.
 * Inputs are random; ReLU inputs keep clear of the kink at 0.
 */
public abstract class LayerGradientContract extends BackendTestBase {
    private static final double H = GradientCheck.DEFAULT_STEP;
    private static final int SAMPLES = 40;

    private static void assertPasses(List<GradientCheck.Result> results, String what) {
        assertTrue(results.size() > 1, what + ": nothing was checked");
        StringBuilder bad = new StringBuilder();
        for (GradientCheck.Result r : results) if (!r.passed()) bad.append("\n  ").append(r);
        assertTrue(bad.length() == 0, what + ": gradients disagree (all results: " + results + ")" + bad);
    }

    /** The row named {@code planted} fails and every other row passes: the check finds the error and puts it where it is. */
    private static void assertCaught(List<GradientCheck.Result> results, String planted, String what) {
        assertTrue(results.stream().anyMatch(r -> r.name().equals(planted)), what + ": no row " + planted + " in " + results);
        for (GradientCheck.Result r : results) {
            assertEquals(!r.name().equals(planted), r.passed(), what + ", planted 1% off in " + planted + ": " + r);
        }
    }

    private List<GradientCheck.Result> check(Layer layer, float[] x, int... dims) {
        try (layer; Tensor t = upload(b, x, dims)) {
            return GradientCheck.layer(layer, t, SAMPLES, H, new Random(99));
        }
    }

    private void checkLayer(Layer layer, float[] x, int... dims) {
        String what = layer.describe();
        assertPasses(check(layer, x, dims), what);
    }

    /** The layer {@code make} builds on a backend with {@code plant}: the check fails in the row {@code row} only. */
    private void checkPlanted(PlantedBackend.Plant plant, String row, java.util.function.Function<Backend, Layer> make, float[] x, int... dims) {
        Layer layer = make.apply(new PlantedBackend(b, plant));
        String what = layer.describe();
        assertCaught(check(layer, x, dims), row, what);
    }

    /** Random values with |v| >= 0.2, so ReLU's kink is never within H. */
    private static float[] awayFromZero(Random r, int n) {
        float[] a = random(r, n);
        for (int i = 0; i < n; i++) a[i] = Math.copySign(0.2f + Math.abs(a[i]), a[i]);
        return a;
    }

    @Test void affine() {
        Random r = new Random(1);
        checkLayer(new Affine(b, 7, 5, Init.xavier(), r, "fc"), random(r, 3 * 7), 3, 7);
        checkLayer(new Affine(b, 12, 3, Init.he(), r, "fc4d"), random(r, 2 * 12), 2, 3, 2, 2);
        float[] x = random(r, 3 * 7);
        checkPlanted(PlantedBackend.Plant.AFFINE_WEIGHTS, "fc.W", pb -> new Affine(pb, 7, 5, Init.xavier(), new Random(2), "fc"), x, 3, 7);
        checkPlanted(PlantedBackend.Plant.AFFINE_BIAS, "fc.b", pb -> new Affine(pb, 7, 5, Init.xavier(), new Random(2), "fc"), x, 3, 7);
        checkPlanted(PlantedBackend.Plant.AFFINE_INPUT, "input", pb -> new Affine(pb, 7, 5, Init.xavier(), new Random(2), "fc"), x, 3, 7);
    }

    @Test void reluSigmoidAndTanh() {
        Random r = new Random(2);
        float[] x = awayFromZero(r, 4 * 9);
        checkLayer(new Relu(b), x, 4, 9);
        checkLayer(new Sigmoid(b), random(r, 4 * 9), 4, 9);
        checkLayer(new Tanh(b), random(r, 4 * 9), 4, 9);
        checkPlanted(PlantedBackend.Plant.RELU, "input", Relu::new, x, 4, 9);
        checkPlanted(PlantedBackend.Plant.SIGMOID, "input", Sigmoid::new, x, 4, 9);
        checkPlanted(PlantedBackend.Plant.TANH, "input", Tanh::new, x, 4, 9);
    }

    @Test void convolution() {
        Random r = new Random(3);
        checkLayer(new Convolution(b, 2, 3, 3, 3, 1, 0, Init.he(), r, "c1"), random(r, 2 * 2 * 5 * 5), 2, 2, 5, 5);
        checkLayer(new Convolution(b, 3, 4, 3, 2, 2, 1, Init.he(), r, "c2"), random(r, 2 * 3 * 6 * 7), 2, 3, 6, 7);
        checkLayer(new Convolution(b, 1, 2, 4, 4, 1, 0, Init.he(), r, "c3"), random(r, 4 * 16), 4, 1, 4, 4);
        float[] x = random(r, 2 * 3 * 6 * 7);
        java.util.function.Function<Backend, Layer> conv = pb -> new Convolution(pb, 3, 4, 3, 2, 2, 1, Init.he(), new Random(4), "c");
        checkPlanted(PlantedBackend.Plant.CONV_WEIGHTS, "c.W", conv, x, 2, 3, 6, 7);
        checkPlanted(PlantedBackend.Plant.CONV_BIAS, "c.b", conv, x, 2, 3, 6, 7);
        checkPlanted(PlantedBackend.Plant.CONV_INPUT, "input", conv, x, 2, 3, 6, 7);
    }

    @Test void pooling() {
        Random r = new Random(4);
        // distinct values at least 0.05 apart: no window's winner changes within H
        int n = 2 * 3 * 6 * 6;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i * 0.05f;
        for (int i = n - 1; i > 0; i--) { int j = r.nextInt(i + 1); float t = x[i]; x[i] = x[j]; x[j] = t; }
        checkLayer(new Pooling(b, 2, 2, 2, 0), x, 2, 3, 6, 6);
        checkLayer(new Pooling(b, 3, 3, 1, 0), x, 2, 3, 6, 6);
        checkLayer(new Pooling(b, 3, 3, 2, 1), x, 2, 3, 6, 6);
        checkPlanted(PlantedBackend.Plant.MAX_POOL, "input", pb -> new Pooling(pb, 2, 2, 2, 0), x, 2, 3, 6, 6);
    }

    /** Layer's contract: forward returns a tensor the layer owns, also where it computes the identity. */
    /**
     * The convolution block, fused and as its parts, with and without its pooling: its own
     * gradient check (the float64 reference composes its parts), and a 1% error planted in the
     * convolution's weight gradient shows in that row only, one in the ReLU's or the pooling's
     * backward in every row below it.
     */
    @Test void convolutionBlock() {
        Random r = new Random(5);
        float[] x = random(r, 2 * 3 * 7 * 7);
        for (boolean fused : new boolean[] {true, false}) {
            checkLayer(new ConvBlock(b, 3, 4, 3, 1, 1, 2, 2, fused, Init.he(), new Random(6), "cb"), x, 2, 3, 7, 7);
            checkLayer(new ConvBlock(b, 3, 4, 3, 1, 0, 3, 2, fused, Init.he(), new Random(6), "cb"), x, 2, 3, 7, 7);
            checkLayer(new ConvBlock(b, 3, 5, 2, 2, 1, 0, 0, fused, Init.he(), new Random(6), "cb"), x, 2, 3, 7, 7);
            java.util.function.Function<Backend, Layer> block = pb -> new ConvBlock(pb, 3, 4, 3, 1, 1, 2, 2, fused, Init.he(), new Random(6), "cb");
            checkPlanted(PlantedBackend.Plant.CONV_WEIGHTS, "cb.W", block, x, 2, 3, 7, 7);
            for (PlantedBackend.Plant plant : List.of(PlantedBackend.Plant.RELU, PlantedBackend.Plant.MAX_POOL)) {
                Layer l = block.apply(new PlantedBackend(b, plant));
                List<GradientCheck.Result> res = check(l, x, 2, 3, 7, 7);
                assertEquals(4, res.size(), "the forward, cb.W, cb.b and the input: " + res);
                assertTrue(res.get(0).passed(), "the forward is not planted: " + res.get(0));
                for (GradientCheck.Result g : res.subList(1, 4)) assertTrue(!g.passed(), (fused ? "fused" : "parts") + ", planted 1% off in " + plant + ": " + g);
            }
        }
    }

    @Test void inactiveDropoutHandsOutACopyNotItsInput() {
        float[] v = random(new Random(21), 12);
        try (Dropout d = new Dropout(b, 0.5f, 1); Tensor x = upload(b, v, 3, 4); Tensor dy = upload(b, v, 3, 4)) {
            Tensor y = d.forward(x, Mode.INFERENCE);
            assertNotSame(x, y);
            assertArrayEquals(v, y.toArray());
            Tensor dx = d.backward(dy);
            assertNotSame(dy, dx);
            assertArrayEquals(v, dx.toArray());
        }
    }

    /** Backward needs the batch statistics of a training-mode forward; after an inference one it would use stale ones. */
    @Test void batchNormBackwardAfterAnInferenceForwardIsRejected() {
        try (BatchNormalization bn = new BatchNormalization(b, 3, 0.9f, 1e-6f, "bn"); Tensor x = upload(b, random(new Random(22), 12), 4, 3)) {
            bn.forward(x, Mode.INFERENCE);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> bn.backward(x));
            assertTrue(e.getMessage().contains("inference"), e.getMessage());
            bn.forward(x, Mode.TRAIN);
            bn.backward(x);     // fine after a training-mode forward
        }
    }

    @Test void batchNormalization() {
        Random r = new Random(5);
        checkLayer(new BatchNormalization(b, 3, 0.9f, 1e-6f, "bn4d"), random(r, 4 * 3 * 2 * 2), 4, 3, 2, 2);
        checkLayer(new BatchNormalization(b, 5, 0.9f, 1e-6f, "bn2d"), random(r, 6 * 5), 6, 5);
        float[] x = random(r, 4 * 3 * 2 * 2);
        // gamma starts at 1 and beta at 0: other values, so that a gradient scaled through either shows
        java.util.function.Function<Backend, Layer> bn = pb -> {
            BatchNormalization l = new BatchNormalization(pb, 3, 0.9f, 1e-6f, "bn");
            b.upload(new float[] {0.5f, 1.5f, -2f}, 0, l.parameters().get(0).value());
            b.upload(new float[] {0.1f, -0.3f, 0.7f}, 0, l.parameters().get(1).value());
            return l;
        };
        checkLayer(bn.apply(b), x, 4, 3, 2, 2);
        checkPlanted(PlantedBackend.Plant.BATCH_NORM_GAMMA, "bn.gamma", bn, x, 4, 3, 2, 2);
        checkPlanted(PlantedBackend.Plant.BATCH_NORM_BETA, "bn.beta", bn, x, 4, 3, 2, 2);
        checkPlanted(PlantedBackend.Plant.BATCH_NORM_INPUT, "input", bn, x, 4, 3, 2, 2);
    }

    @Test void dropout() {
        Random r = new Random(6);
        float[] x = random(r, 5 * 8);
        checkLayer(new Dropout(b, 0.5f, 7L), x, 5, 8);
        checkPlanted(PlantedBackend.Plant.DROPOUT, "input", pb -> new Dropout(pb, 0.5f, 7L), x, 5, 8);
    }

    private List<GradientCheck.Result> checkNetwork(Backend on, NetworkSpec spec, int batch, int samples) {
        Random r = new Random(7);
        try (Sequential net = Networks.create(spec, on, 11L)) {
            Shape xs = net.batchShape(batch);
            float[] labels = new float[batch];
            for (int i = 0; i < batch; i++) labels[i] = r.nextInt(net.classes());
            try (Tensor x = upload(b, random(r, xs.size()), xs.dims()); Tensor t = b.allocate(Shape.of(batch))) {
                b.uploadLabels(labels, 0, net.classes(), t);
                List<GradientCheck.Result> res = GradientCheck.network(net, x, t, samples, H);
                assertEquals(net.parameters().size() + 1, res.size(), "the forward row and one per parameter");
                return res;
            }
        }
    }

    private void checkNetwork(NetworkSpec spec, int batch, int samples) {
        assertPasses(checkNetwork(b, spec, batch, samples), spec.net());
    }

    @Test void softmaxWithLossAndMeanSquaredError() {
        Random r = new Random(9);
        float[] labels = {3, 0, 4};
        float[] onehot = new float[15];
        for (int i = 0; i < 3; i++) onehot[i * 5 + (int) labels[i]] = 1;
        float[] z = random(r, 15);
        for (Backend on : new Backend[] {b, new PlantedBackend(b, PlantedBackend.Plant.SOFTMAX_WITH_LOSS),
            new PlantedBackend(b, PlantedBackend.Plant.MEAN_SQUARED_ERROR)}) {
            try (Tensor zt = upload(b, z, 3, 5); Tensor t = upload(b, labels, 3); Tensor t1 = upload(b, onehot, 3, 5);
                 SoftmaxWithLoss sm = new SoftmaxWithLoss(on); MeanSquaredError mse = new MeanSquaredError(on)) {
                List<GradientCheck.Result> s = GradientCheck.lossLayer(sm, zt, t, 15, H, new Random(1));
                List<GradientCheck.Result> m = GradientCheck.lossLayer(mse, zt, t1, 15, H, new Random(1));
                String plant = on instanceof PlantedBackend p ? p.describe() : "none";
                if (plant.contains("SOFTMAX")) assertCaught(s, "SoftmaxWithLoss scores", "SoftmaxWithLoss");
                else assertPasses(s, "SoftmaxWithLoss, planted: " + plant);
                if (plant.contains("MEAN_SQUARED")) assertCaught(m, "MeanSquaredError scores", "MeanSquaredError");
                else assertPasses(m, "MeanSquaredError, planted: " + plant);
            }
        }
    }

    @Test void twoLayerNet() { checkNetwork(NetworkSpec.of("two-layer"), 3, 5); }

    @Test void multiLayerNetWithBatchNormAndDropout() {
        checkNetwork(new NetworkSpec("mlp", List.of(20, 15), true, 0.3f), 6, 5);
    }

    @Test void simpleConvNet() { checkNetwork(NetworkSpec.of("simple-cnn"), 2, 5); }

    @Test void deepConvNet() { checkNetwork(NetworkSpec.of("deep-cnn"), 2, 5); }

    /**
     * Inside a network, through the fused Convolution-ReLU-Pooling backward: a 1% error in the
     * ReLU's or the pooling's backward, or in the loss's, fails every parameter below it.
     */
    @Test void aNetworkCheckCatchesAPlantedErrorBelowIt() {
        for (PlantedBackend.Plant plant : List.of(PlantedBackend.Plant.RELU, PlantedBackend.Plant.MAX_POOL, PlantedBackend.Plant.SOFTMAX_WITH_LOSS)) {
            List<GradientCheck.Result> res = checkNetwork(new PlantedBackend(b, plant), NetworkSpec.of("simple-cnn"), 2, 3);
            assertTrue(res.get(0).passed(), "the forward is not planted: " + res.get(0));
            // conv1 lies below every ReLU and the pooling: its gradient is off whichever was planted
            for (GradientCheck.Result r : res.subList(1, 3)) assertTrue(!r.passed(), plant + ": " + r);
        }
    }

    /**
     * The networks' convolution blocks fused against the same network with blocks that run their
     * parts: the same loss and the same gradients, two steps in a row (buffers reused), and the
     * same inference scores, after which backward is refused.
     */
    @Test void fusedNetworksMatchTheirLayersOneByOne() {
        Random r = new Random(21);
        for (String name : List.of("simple-cnn", "deep-cnn")) {
            NetworkSpec spec = NetworkSpec.of(name);
            try (Sequential fused = Networks.create(spec, b, 3L, true); Sequential plain = Networks.create(spec, b, 3L, false)) {
                StringBuilder kinds = new StringBuilder();
                for (int i = 0; i < fused.layers().size(); i++) {
                    Layer f = fused.layers().get(i), p = plain.layers().get(i);
                    assertEquals(f.describe(), p.describe(), name + " layer " + i);
                    if (f instanceof ConvBlock cb) {
                        assertTrue(cb.fused() && !((ConvBlock) p).fused(), name + " layer " + i + ": fused in one, parts in the other");
                        kinds.append(cb.parts().size());
                    } else {
                        kinds.append('.');
                    }
                }
                assertEquals(name.equals("simple-cnn") ? "3..." : "232323.....", kinds.toString(), name + ": the blocks (their parts) and other layers (.)");
                Shape xs = fused.batchShape(3);
                float[] labels = {1, 7, 4};
                try (Tensor x = upload(b, random(r, xs.size()), xs.dims()); Tensor t = b.allocate(Shape.of(3))) {
                    b.uploadLabels(labels, 0, 10, t);
                    for (int step = 0; step < 2; step++) {
                        float lf = fused.loss(x, t, Mode.TRAIN).toArray()[0], lp = plain.loss(x, t, Mode.TRAIN).toArray()[0];
                        assertEquals(lp, lf, 1e-5 * (1 + Math.abs(lp)), name + " step " + step + ": loss");
                        fused.backward();
                        plain.backward();
                        for (int p = 0; p < fused.parameters().size(); p++) {
                            String what = name + " step " + step + ": gradient of " + fused.parameters().get(p).name();
                            Tensors.assertClose(plain.parameters().get(p).grad().toArray(), fused.parameters().get(p).grad().toArray(), 1e-4, 1e-6, what);
                        }
                    }
                    // an inference forward keeps no pooling winners: the same scores, and no backward after it
                    Tensors.assertClose(plain.predict(x, Mode.INFERENCE).toArray(), fused.predict(x, Mode.INFERENCE).toArray(), 1e-4, 1e-6,
                            name + ": inference scores");
                    fused.loss(x, t, Mode.INFERENCE);
                    IllegalStateException ie = assertThrows(IllegalStateException.class, fused::backward);
                    assertTrue(ie.getMessage().contains("backward after an inference-mode forward"), ie.getMessage());
                    // a fused forward pairs with its fused backward only: the convolution's own backward is refused
                    fused.loss(x, t, Mode.TRAIN);
                    Layer conv = fused.layers().get(0).parts().get(0);
                    Tensor dy = b.allocate(conv.outputShape(x.shape()));
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> conv.backward(dy));
                    assertTrue(e.getMessage().contains("forward for RELU"), e.getMessage());
                    dy.close();
                }
            }
        }
    }

    @Test void bookNetworksHaveTheBooksParameterCounts() {
        try (Sequential s = Networks.create(NetworkSpec.of("simple-cnn"), b, 1); Sequential d = Networks.create(NetworkSpec.of("deep-cnn"), b, 1)) {
            assertEquals(433_890, s.parameterCount(), s.summary());
            assertEquals(123_552, d.parameterCount(), d.summary());
        }
    }
}
