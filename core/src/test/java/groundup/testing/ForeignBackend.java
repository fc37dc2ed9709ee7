package groundup.testing;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/** A backend that only allocates: its tensors test that other backends refuse foreign buffers. */
final class ForeignBackend implements Backend {
    private static UnsupportedOperationException no() { return new UnsupportedOperationException("test double: allocate only"); }

    @Override public String name() { return "foreign"; }
    @Override public String describe() { return "foreign test double"; }
    @Override public Tensor allocate(Shape shape) { return Tensor.wrap(this, shape, new Object(), () -> { }); }
    @Override public void upload(float[] src, int offset, Tensor dst) { throw no(); }
    @Override public void download(Tensor src, float[] dst, int offset) { throw no(); }
    @Override public void fill(Tensor t, float value) { throw no(); }
    @Override public void copy(Tensor src, Tensor dst) { throw no(); }
    @Override public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) { throw no(); }
    @Override public void batchedTranspose(Tensor x, int batch, int rows, int cols, Tensor y) { throw no(); }
    @Override public void im2col(Tensor x, ConvGeometry g, Tensor col) { throw no(); }
    @Override public void col2im(Tensor col, ConvGeometry g, Tensor dx) { throw no(); }
    @Override public void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) { throw no(); }
    @Override public void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) { throw no(); }
    @Override public void activation(Activation f, Tensor x, Tensor y) { throw no(); }
    @Override public void activationBackward(Activation f, Tensor saved, Tensor dy, Tensor dx) { throw no(); }
    @Override public void mul(Tensor a, Tensor b, Tensor out) { throw no(); }
    @Override public void scale(float alpha, Tensor x, Tensor out) { throw no(); }
    @Override public void axpy(float alpha, Tensor x, Tensor y) { throw no(); }
    @Override public void addRowVector(Tensor x, Tensor v, Tensor out) { throw no(); }
    @Override public void sumRows(Tensor x, Tensor out) { throw no(); }
    @Override public void argmaxRows(Tensor x, Tensor out) { throw no(); }
    @Override public double dot(Tensor a, Tensor b) { throw no(); }
    @Override public void gatherRows(Tensor src, Tensor index, Tensor at, Tensor dst) { throw no(); }
    @Override public void putRows(Tensor src, Tensor at, Tensor dst) { throw no(); }
    @Override public void countEqual(Tensor a, Tensor b, Tensor out) { throw no(); }
    @Override public void optimizerSteps(UpdateRule rule, Tensor rates, Tensor at, Tensor[] params, Tensor[] grads, Tensor[] s1, Tensor[] s2,
                                         boolean[] decays) { throw no(); }
    @Override public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) { throw no(); }
    @Override public void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) { throw no(); }
    @Override public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float momentum, float eps, Tensor y, Tensor mean,
                                         Tensor invStd, Tensor runMean, Tensor runVar) { throw no(); }
    @Override public void batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float eps, Tensor y) { throw no(); }
    @Override public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx, Tensor dgamma,
                                            Tensor dbeta) { throw no(); }
    @Override public void dropout(Tensor x, float ratio, long seed, Tensor step, Tensor mask, Tensor y) { throw no(); }
    @Override public void optimizerStep(UpdateRule rule, Tensor param, Tensor grad, Tensor s1, Tensor s2) { throw no(); }
    @Override public void synchronize() { }
    @Override public void close() { }
}
