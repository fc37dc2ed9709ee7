package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.List;

/**
 * Batch normalization (Ioffe and Szegedy). After a convolution, x is (N, C, H, W) and the
 * statistics are per channel C, over N*H*W values; after an Affine, x is (N, F) and they are
 * per feature. (The book normalizes a conv output per element, C*H*W separate statistics;
 * per channel is the usual definition and what PyTorch's BatchNorm2d does.)
 * gamma starts at 1, beta at 0; the running mean and variance (momentum 0.9, the book's)
 * serve inference.
 */
public final class BatchNormalization implements Layer {
    private final Backend b;
    private final int channels;
    private final float momentum, eps;
    private final Parameter gamma, beta;
    private final Tensor runMean, runVar, mean, invStd;
    private final String[] names;        // of the running statistics in checkpoints
    private Tensor x, y, dx;
    private boolean trained;             // the last forward was in training mode: mean and invStd are its batch's

    public BatchNormalization(Backend b, int channels, float momentum, float eps, String name) {
        this.b = b;
        this.channels = channels;
        this.momentum = momentum;
        this.eps = eps;
        Shape c = Shape.of(channels);
        Tensor g = b.allocate(c);
        b.fill(g, 1f);
        this.gamma = new Parameter(name + ".gamma", g, b.allocate(c), false);
        this.beta = new Parameter(name + ".beta", b.allocate(c), b.allocate(c), false);
        this.runMean = b.allocate(c);
        this.runVar = b.allocate(c);
        this.mean = b.allocate(c);
        this.invStd = b.allocate(c);
        this.names = new String[] {name + ".running_mean", name + ".running_var"};
    }

    @Override public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.dim(1) != channels) {
            throw new IllegalArgumentException("BatchNormalization(" + channels + "): input " + input + " does not have "
                    + channels + " channels in dimension 1");
        }
        return input;
    }

    @Override public Tensor forward(Tensor x, Mode mode) {
        outputShape(x.shape());
        this.x = x;
        this.trained = mode == Mode.TRAIN;
        y = Buffers.ensure(b, y, x.shape());
        if (mode == Mode.TRAIN) {
            b.batchNormTrain(x, gamma.value(), beta.value(), momentum, eps, y, mean, invStd, runMean, runVar);
        } else {
            b.batchNormInference(x, gamma.value(), beta.value(), runMean, runVar, eps, y);
        }
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        if (!trained) {
            throw new IllegalStateException(describe() + ": backward after an inference-mode forward; the gradient needs the batch "
                    + "statistics of a training-mode forward, which that did not compute");
        }
        dx = Buffers.ensure(b, dx, x.shape());
        b.batchNormBackward(dy, x, gamma.value(), mean, invStd, dx, gamma.grad(), beta.grad());
        return dx;
    }

    float eps() { return eps; }

    @Override public List<Parameter> parameters() { return List.of(gamma, beta); }

    @Override public List<NamedTensor> state() {
        return List.of(new NamedTensor(names[0], runMean), new NamedTensor(names[1], runVar));
    }

    @Override public String describe() { return "BatchNorm(" + channels + ")"; }

    @Override public void close() {
        Buffers.close(y, dx, gamma.value(), gamma.grad(), beta.value(), beta.grad(), runMean, runVar, mean, invStd);
    }
}
