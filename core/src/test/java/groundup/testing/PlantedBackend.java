package groundup.testing;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.backend.Convolver;
import groundup.backend.UpdateRule;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * A backend that runs another and plants one bug: one layer's backward comes out 1% off (one
 * output of the primitive that backward runs is multiplied by {@link #FACTOR}). What a gradient
 * check must catch. Tensors are the inner backend's; closing this closes the inner one only if
 * it was made {@link #owning} it.
 */
public final class PlantedBackend implements Backend {
    public static final float FACTOR = 1.01f;

    /** Where the error goes: a layer's parameter gradient, or the gradient it passes down (INPUT, and the parameterless layers). */
    public enum Plant {
        AFFINE_WEIGHTS, AFFINE_BIAS, AFFINE_INPUT, CONV_WEIGHTS, CONV_BIAS, CONV_INPUT, RELU, SIGMOID, TANH, MAX_POOL,
        BATCH_NORM_GAMMA, BATCH_NORM_BETA, BATCH_NORM_INPUT, DROPOUT, SOFTMAX_WITH_LOSS, MEAN_SQUARED_ERROR
    }

    private final Backend in;
    private final Plant plant;
    private final boolean owns;

    public PlantedBackend(Backend inner, Plant plant) { this(inner, plant, false); }

    private PlantedBackend(Backend inner, Plant plant, boolean owns) {
        this.in = inner;
        this.plant = plant;
        this.owns = owns;
    }

    /** A planted backend that closes {@code inner} when it is closed. */
    public static PlantedBackend owning(Backend inner, Plant plant) { return new PlantedBackend(inner, plant, true); }

    private void off(Plant where, Tensor t) {
        if (plant == where && t != null) in.scale(FACTOR, t, t);
    }

    @Override public String name() { return in.name(); }
    @Override public String describe() { return in.describe() + ", with " + plant + "'s backward 1% off"; }
    @Override public Tensor allocate(Shape shape) { return in.allocate(shape); }
    @Override public void upload(float[] src, int offset, Tensor dst) { in.upload(src, offset, dst); }
    @Override public void uploadLabels(float[] labels, int offset, int classes, Tensor dst) { in.uploadLabels(labels, offset, classes, dst); }
    @Override public void download(Tensor src, float[] dst, int offset) { in.download(src, dst, offset); }
    @Override public void fill(Tensor t, float value) { in.fill(t, value); }
    @Override public void copy(Tensor src, Tensor dst) { in.copy(src, dst); }
    @Override public void batchedTranspose(Tensor x, int batch, int rows, int cols, Tensor y) { in.batchedTranspose(x, batch, rows, cols, y); }
    @Override public void im2col(Tensor x, ConvGeometry g, Tensor col) { in.im2col(x, g, col); }
    @Override public void col2im(Tensor col, ConvGeometry g, Tensor dx) { in.col2im(col, g, dx); }
    @Override public void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) { in.maxPool(x, g, y, argmax); }
    @Override public void activation(Activation f, Tensor x, Tensor y) { in.activation(f, x, y); }
    @Override public void axpy(float alpha, Tensor x, Tensor y) { in.axpy(alpha, x, y); }
    @Override public void addRowVector(Tensor x, Tensor v, Tensor out) { in.addRowVector(x, v, out); }
    @Override public void argmaxRows(Tensor x, Tensor out) { in.argmaxRows(x, out); }
    @Override public double dot(Tensor a, Tensor b) { return in.dot(a, b); }
    @Override public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) { in.softmaxCrossEntropy(logits, labels, probs, loss); }
    @Override public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float momentum, float eps, Tensor y, Tensor mean, Tensor invStd,
                                         Tensor runMean, Tensor runVar) {
        in.batchNormTrain(x, gamma, beta, momentum, eps, y, mean, invStd, runMean, runVar);
    }
    @Override public void batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float eps, Tensor y) {
        in.batchNormInference(x, gamma, beta, runMean, runVar, eps, y);
    }
    @Override public void dropout(Tensor x, float ratio, long seed, Tensor step, Tensor mask, Tensor y) { in.dropout(x, ratio, seed, step, mask, y); }
    @Override public Tensor hold(float[] data, Shape shape) { return in.hold(data, shape); }
    @Override public void gatherRows(Tensor src, Tensor index, Tensor at, Tensor dst) { in.gatherRows(src, index, at, dst); }
    @Override public void putRows(Tensor src, Tensor at, Tensor dst) { in.putRows(src, at, dst); }
    @Override public void countEqual(Tensor a, Tensor b, Tensor out) { in.countEqual(a, b, out); }
    @Override public void optimizerSteps(UpdateRule rule, Tensor rates, Tensor at, Tensor[] params, Tensor[] grads, Tensor[] s1, Tensor[] s2,
                                         boolean[] decays) {
        in.optimizerSteps(rule, rates, at, params, grads, s1, s2, decays);
    }
    @Override public void optimizerStep(UpdateRule rule, Tensor param, Tensor grad, Tensor s1, Tensor s2) { in.optimizerStep(rule, param, grad, s1, s2); }
    @Override public void synchronize() { in.synchronize(); }
    @Override public void close() { if (owns) in.close(); }

    // ---- the backward primitives, each of one layer -------------------------------------

    /** Affine's backward runs dW = x^T dy as gemm(true, false) and dx = dy W^T as gemm(false, true). */
    @Override public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        in.gemm(ta, tb, alpha, a, b, beta, c);
        if (ta && !tb) off(Plant.AFFINE_WEIGHTS, c);
        if (!ta && tb) off(Plant.AFFINE_INPUT, c);
    }

    @Override public void sumRows(Tensor x, Tensor out) {
        in.sumRows(x, out);
        off(Plant.AFFINE_BIAS, out);
    }

    @Override public void activationBackward(Activation f, Tensor saved, Tensor dy, Tensor dx) {
        in.activationBackward(f, saved, dy, dx);
        off(switch (f) { case RELU -> Plant.RELU; case SIGMOID -> Plant.SIGMOID; case TANH -> Plant.TANH; }, dx);
    }

    @Override public void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        in.maxPoolBackward(dy, argmax, g, dx);
        off(Plant.MAX_POOL, dx);
    }

    @Override public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        in.batchNormBackward(dy, x, gamma, mean, invStd, dx, dgamma, dbeta);
        off(Plant.BATCH_NORM_INPUT, dx);
        off(Plant.BATCH_NORM_GAMMA, dgamma);
        off(Plant.BATCH_NORM_BETA, dbeta);
    }

    /** Dropout's backward: dx = dy * mask. */
    @Override public void mul(Tensor a, Tensor b, Tensor out) {
        in.mul(a, b, out);
        off(Plant.DROPOUT, out);
    }

    @Override public void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        in.softmaxCrossEntropyBackward(probs, labels, dx);
        off(Plant.SOFTMAX_WITH_LOSS, dx);
    }

    /** MeanSquaredError's backward: dx = (y - t) / N. */
    @Override public void scale(float alpha, Tensor x, Tensor out) {
        in.scale(alpha, x, out);
        off(Plant.MEAN_SQUARED_ERROR, out);
    }

    /**
     * The inner backend's convolver, its backward outputs planted. A fused ReLU (or ReLU and
     * pooling) planted 1% off scales the gradient the convolution receives, so all three outputs.
     */
    @Override public Convolver convolver(ConvGeometry g, int filters) {
        Convolver c = in.convolver(g, filters);
        return new Convolver() {
            @Override public ConvGeometry geometry() { return c.geometry(); }
            @Override public int filters() { return c.filters(); }
            @Override public void forward(Tensor x, Tensor w, Tensor b, Tensor y) { c.forward(x, w, b, y); }
            @Override public void forwardRelu(Tensor x, Tensor w, Tensor b, Tensor y) { c.forwardRelu(x, w, b, y); }
            @Override public void forwardReluPool(Tensor x, Tensor w, Tensor b, ConvGeometry pool, Tensor yp, Tensor argmax) {
                c.forwardReluPool(x, w, b, pool, yp, argmax);
            }
            @Override public void backward(Tensor x, Tensor w, Tensor dy, Tensor dw, Tensor db, Tensor dx) {
                c.backward(x, w, dy, dw, db, dx);
                planted(null, dw, db, dx);
            }
            @Override public void backwardRelu(Tensor x, Tensor w, Tensor y, Tensor dy, Tensor dw, Tensor db, Tensor dx) {
                c.backwardRelu(x, w, y, dy, dw, db, dx);
                planted(Plant.RELU, dw, db, dx);
            }
            @Override public void backwardReluPool(Tensor x, Tensor w, ConvGeometry pool, Tensor yp, Tensor argmax, Tensor dyp, Tensor dw,
                                                   Tensor db, Tensor dx) {
                c.backwardReluPool(x, w, pool, yp, argmax, dyp, dw, db, dx);
                planted(plant == Plant.MAX_POOL ? Plant.MAX_POOL : Plant.RELU, dw, db, dx);
            }
            @Override public void close() { c.close(); }
        };
    }

    private void planted(Plant fused, Tensor dw, Tensor db, Tensor dx) {
        off(Plant.CONV_WEIGHTS, dw);
        off(Plant.CONV_BIAS, db);
        off(Plant.CONV_INPUT, dx);
        if (fused != null) for (Tensor t : new Tensor[] {dw, db, dx}) off(fused, t);
    }
}
