package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * Softmax then cross-entropy against class indices, fused: the gradient is simply
 * (softmax - onehot) / N. Targets are (N) class indices stored as floats.
 */
public final class SoftmaxWithLoss implements LossLayer {
    private final Backend b;
    private final Tensor loss;
    private Tensor probs, labels, dx;

    public SoftmaxWithLoss(Backend b) {
        this.b = b;
        this.loss = b.allocate(Shape.of(1));
    }

    @Override public Tensor forward(Tensor scores, Tensor targets) {
        probs = Buffers.ensure(b, probs, scores.shape());
        labels = targets;
        b.softmaxCrossEntropy(scores, targets, probs, loss);
        return loss;
    }

    @Override public Tensor backward() {
        dx = Buffers.ensure(b, dx, probs.shape());
        b.softmaxCrossEntropyBackward(probs, labels, dx);
        return dx;
    }

    @Override public String describe() { return "SoftmaxWithLoss"; }

    @Override public double chanceLoss(int classes) { return Math.log(classes); }

    @Override public void close() { Buffers.close(loss, probs, dx); }
}
