package groundup.nn;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A network: layers in a row, then a loss. Every network of the book is one of these
 * (see {@link Networks}); {@link #builder} composes new ones.
 */
public final class Sequential implements AutoCloseable {
    private final Backend backend;
    private final Shape sampleShape;
    private final List<Layer> layers;
    private final LossLayer loss;
    private final String description;
    private Tensor lastScores;

    private Sequential(Backend backend, Shape sampleShape, List<Layer> layers, LossLayer loss, String description) {
        this.backend = backend;
        this.sampleShape = sampleShape;
        this.layers = Collections.unmodifiableList(layers);
        this.loss = loss;
        this.description = description;
        if (!layers.isEmpty()) layers.get(0).skipInputGradient();   // nobody needs dL/d(image)
    }

    public Backend backend() { return backend; }

    /** The shape of one sample, e.g. (1, 28, 28). */
    public Shape sampleShape() { return sampleShape; }

    public List<Layer> layers() { return layers; }

    public LossLayer lossLayer() { return loss; }

    /** The network's description (a {@link NetworkSpec} as JSON for the book's networks). */
    public String description() { return description; }

    /**
     * Scores (N, classes) for a batch (N, sampleShape...). After {@link Mode#INFERENCE} no
     * backward may follow: batch normalization and the fused poolings ({@link ConvBlock}) keep
     * what backward needs only in {@link Mode#TRAIN}.
     */
    public Tensor predict(Tensor x, Mode mode) {
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) h = layers.get(i).forward(h, mode);     // indexed: no iterator a step
        return h;
    }

    /** Forward pass and loss; returns the (1) loss tensor. */
    public Tensor loss(Tensor x, Tensor targets, Mode mode) {
        lastScores = predict(x, mode);
        return loss.forward(lastScores, targets);
    }

    /** The scores of the last {@link #loss} call, (N, classes). */
    public Tensor lastScores() { return lastScores; }

    /** Backpropagates the last {@link #loss} call, filling every parameter's gradient. */
    public void backward() { backwardFrom(loss.backward()); }

    /** Backpropagates a given gradient of the scores through the layers of the last forward. */
    public void backwardFrom(Tensor dscores) {
        Tensor d = dscores;
        for (int i = layers.size() - 1; i >= 0 && d != null; i--) d = layers.get(i).backward(d);
    }

    /** Whether a training step through this network may be recorded once and replayed ({@link Layer#recordable}). */
    public boolean recordable() {
        for (Layer l : layers) if (!l.recordable()) return false;
        return loss.recordable();
    }

    /** Tells the layers which training step runs next (dropout derives its mask from it). */
    public void reseed(long step) {
        for (int i = 0; i < layers.size(); i++) layers.get(i).reseed(step);
    }

    /** Tells the layers the run's seed and the count of steps taken, held on the device ({@link Layer#reseed(long, Tensor)}). */
    public void reseed(long seed, Tensor step) {
        for (int i = 0; i < layers.size(); i++) layers.get(i).reseed(seed, step);
    }

    /** Every layer's parameters, in order: the same list every call (a step makes none), not to be modified. */
    public List<Parameter> parameters() {
        if (parameters == null) {
            List<Parameter> ps = new ArrayList<>();
            for (Layer l : layers) ps.addAll(l.parameters());
            parameters = java.util.Collections.unmodifiableList(ps);
        }
        return parameters;
    }

    private List<Parameter> parameters;

    public List<Layer.NamedTensor> state() {
        List<Layer.NamedTensor> s = new ArrayList<>();
        for (Layer l : layers) s.addAll(l.state());
        return s;
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.value().size();
        return n;
    }

    /** The number of scores per sample: the classes of a classifier. */
    public int classes() {
        Shape s = batchShape(1);
        for (Layer l : layers) s = l.outputShape(s);
        return s.size();
    }

    /** One line per layer with its output shape for one sample. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        Shape s = batchShape(1);
        sb.append(String.format("%-40s %s%n", "input", s));
        for (Layer l : layers) {
            s = l.outputShape(s);
            sb.append(String.format("%-40s %s%n", l.describe(), s));
        }
        sb.append(String.format("%-40s%n%,d parameters", loss.describe(), parameterCount()));
        return sb.toString();
    }

    /** (batch, sampleShape...). */
    public Shape batchShape(int batch) {
        int[] d = sampleShape.dims(), out = new int[d.length + 1];
        out[0] = batch;
        System.arraycopy(d, 0, out, 1, d.length);
        return Shape.of(out);
    }

    @Override public void close() {
        for (Layer l : layers) l.close();
        loss.close();
    }

    public static Builder builder(Backend backend, Shape sampleShape, long seed) {
        return new Builder(backend, sampleShape, seed);
    }

    /** Composes a network layer by layer, tracking the shape so each layer's size is inferred. */
    public static final class Builder {
        private final Backend b;
        private final Shape sampleShape;
        private final Random rnd;
        private final List<Layer> layers = new ArrayList<>();
        private Shape shape;   // the current output shape for a batch of 1
        private Init init = Init.he();
        private String description;
        private int convs, affines, norms, drops;
        private boolean fuse = true;
        private Precision precision = Precision.FP32;

        private Builder(Backend b, Shape sampleShape, long seed) {
            this.b = b;
            this.sampleShape = sampleShape;
            this.rnd = new Random(seed);
            int[] d = sampleShape.dims(), s = new int[d.length + 1];
            s[0] = 1;
            System.arraycopy(d, 0, s, 1, d.length);
            this.shape = Shape.of(s);
        }

        /** The initializer of the weights added from here on (default He). */
        public Builder init(Init init) { this.init = init; return this; }

        public Builder description(String d) { this.description = d; return this; }

        /**
         * Whether the {@link ConvBlock}s added from here on run fused, as one backend operation
         * each (the default), or as their parts one after another: the same floats, the second
         * the oracle the first is tested against.
         */
        public Builder fuse(boolean fuse) { this.fuse = fuse; return this; }

        /**
         * The precision of the matrix products (convolutions, affine layers) added from here on
         * ({@link Precision}; default FP32): checked against the backend now, so a precision it
         * cannot run fails here, saying why ({@link Backend#precisionDetail}).
         */
        public Builder precision(Precision precision) {
            b.precisionDetail(precision);
            this.precision = precision;
            return this;
        }

        private Builder add(Layer l) {
            shape = l.outputShape(shape);
            layers.add(l);
            return this;
        }

        /**
         * A convolution on its own: a ReLU or pooling added after it runs as a layer of its own,
         * never fused with it; {@link #convRelu} and {@link #convReluPool} make the block that
         * runs as one step.
         */
        public Builder conv(int filters, int kernel, int stride, int pad) {
            if (shape.rank() != 4) throw new IllegalArgumentException("conv after " + shape + ": needs (N, C, H, W)");
            return add(new Convolution(b, shape.dim(1), filters, kernel, kernel, stride, pad, init, rnd, "conv" + (++convs), precision));
        }

        /** A {@link ConvBlock}: a convolution as {@link #conv} makes it, then a ReLU, as one layer. */
        public Builder convRelu(int filters, int kernel, int stride, int pad) { return convBlock(filters, kernel, stride, pad, 0, 0); }

        /** A {@link ConvBlock}: a convolution, a ReLU, then a max pooling of size x size windows at stride, as one layer. */
        public Builder convReluPool(int filters, int kernel, int stride, int pad, int size, int poolStride) {
            if (size <= 0) throw new IllegalArgumentException("convReluPool: pooling size " + size + " must be positive");
            return convBlock(filters, kernel, stride, pad, size, poolStride);
        }

        private Builder convBlock(int filters, int kernel, int stride, int pad, int size, int poolStride) {
            if (shape.rank() != 4) throw new IllegalArgumentException("conv after " + shape + ": needs (N, C, H, W)");
            return add(new ConvBlock(b, shape.dim(1), filters, kernel, stride, pad, size, poolStride, fuse, init, rnd, "conv" + (++convs), precision));
        }

        public Builder affine(int out) { return add(new Affine(b, shape.cols(), out, init, rnd, "affine" + (++affines), precision)); }

        public Builder relu() { return add(new Relu(b)); }

        public Builder sigmoid() { return add(new Sigmoid(b)); }

        public Builder tanh() { return add(new Tanh(b)); }

        public Builder pool(int size, int stride) { return add(new Pooling(b, size, size, stride, 0)); }

        /** The book's batch norm: momentum 0.9, eps 1e-6; per channel after a conv, per feature after an Affine. */
        public Builder batchNorm() {
            return add(new BatchNormalization(b, shape.dim(1), 0.9f, 1e-6f, "bn" + (++norms)));
        }

        /** Dropout's masks depend on the trainer's (seed, step) and the layer's index, not on the init seed. */
        public Builder dropout(float ratio) { return add(new Dropout(b, ratio, ++drops)); }

        public Sequential softmaxWithLoss() { return build(new SoftmaxWithLoss(b)); }

        public Sequential meanSquaredError() { return build(new MeanSquaredError(b)); }

        private Sequential build(LossLayer loss) {
            StringBuilder d = new StringBuilder();
            if (description == null) {
                for (Layer l : layers) d.append(d.length() > 0 ? " | " : "").append(l.describe());
                d.append(" | ").append(loss.describe());
            }
            return new Sequential(b, sampleShape, new ArrayList<>(layers), loss, description != null ? description : d.toString());
        }
    }
}
