package groundup.nn;

import groundup.backend.Backend;
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
    private final int[] run, starts;      // see fusedRun; starts: the first layer of each run, in order
    private Tensor lastScores;

    private Sequential(Backend backend, Shape sampleShape, List<Layer> layers, LossLayer loss, String description, boolean fuse) {
        this.backend = backend;
        this.sampleShape = sampleShape;
        this.layers = Collections.unmodifiableList(layers);
        this.loss = loss;
        this.description = description;
        if (!layers.isEmpty()) layers.get(0).skipInputGradient();   // nobody needs dL/d(image)
        this.run = new int[layers.size()];
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < layers.size(); i += run[i]) {
            starts.add(i);
            run[i] = 1;
            if (fuse && layers.get(i) instanceof Convolution && i + 1 < layers.size() && layers.get(i + 1) instanceof Relu) {
                run[i] = i + 2 < layers.size() && layers.get(i + 2) instanceof Pooling ? 3 : 2;
            }
        }
        this.starts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Whether networks run each Convolution, the ReLU after it and a max pooling after that as
     * one step ({@link #fusedRun}): the system
     * property {@code groundup.fuse}, true (the default) or false (every layer on its own: to
     * time the difference, or to rule it out).
     */
    public static boolean fusionFromProperty() {
        String v = System.getProperty("groundup.fuse", "true").trim();
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("groundup.fuse=" + v + ": expected true or false");
        };
    }

    /**
     * How many layers from layer i run as one: 1; 2 for a Convolution and its ReLU; 3 for a
     * Convolution, ReLU and max pooling; 0 for a layer inside such a run. Fused layers compute
     * the same floats as the layers one by one (the contract suites hold every backend to it).
     */
    public int fusedRun(int i) { return run[i]; }

    public Backend backend() { return backend; }

    /** The shape of one sample, e.g. (1, 28, 28). */
    public Shape sampleShape() { return sampleShape; }

    public List<Layer> layers() { return layers; }

    public LossLayer lossLayer() { return loss; }

    /** The network's description (a {@link NetworkSpec} as JSON for the book's networks). */
    public String description() { return description; }

    /**
     * Scores (N, classes) for a batch (N, sampleShape...). After {@link Mode#INFERENCE} no
     * backward may follow: batch normalization and the fused poolings keep what backward
     * needs only in {@link Mode#TRAIN}.
     */
    public Tensor predict(Tensor x, Mode mode) {
        Tensor h = x;
        for (int i : starts) {
            Layer l = layers.get(i);
            h = switch (run[i]) {
                case 3 -> ((Pooling) layers.get(i + 2)).forwardAfter((Convolution) l, h, mode);
                case 2 -> ((Convolution) l).forwardRelu(h);
                default -> l.forward(h, mode);
            };
        }
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
        for (int k = starts.length - 1; k >= 0 && d != null; k--) {
            int i = starts[k];
            Layer l = layers.get(i);
            d = switch (run[i]) {
                case 3 -> ((Pooling) layers.get(i + 2)).backwardAfter((Convolution) l, d);
                case 2 -> ((Convolution) l).backwardRelu(d);
                default -> l.backward(d);
            };
        }
    }

    /** Whether a training step through this network may be recorded once and replayed ({@link Layer#recordable}). */
    public boolean recordable() {
        for (Layer l : layers) if (!l.recordable()) return false;
        return loss.recordable();
    }

    /** Tells the layers which training step runs next (dropout derives its mask from it). */
    public void reseed(long step) {
        for (Layer l : layers) l.reseed(step);
    }

    /** Tells the layers the run's seed and the count of steps taken, held on the device ({@link Layer#reseed(long, Tensor)}). */
    public void reseed(long seed, Tensor step) {
        for (Layer l : layers) l.reseed(seed, step);
    }

    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (Layer l : layers) ps.addAll(l.parameters());
        return ps;
    }

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
        private boolean fuse = fusionFromProperty();

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

        /** Whether Convolution-ReLU(-Pooling) runs are fused ({@link #fusedRun}; default: {@link #fusionFromProperty}). */
        public Builder fuse(boolean fuse) { this.fuse = fuse; return this; }

        private Builder add(Layer l) {
            shape = l.outputShape(shape);
            layers.add(l);
            return this;
        }

        public Builder conv(int filters, int kernel, int stride, int pad) {
            if (shape.rank() != 4) throw new IllegalArgumentException("conv after " + shape + ": needs (N, C, H, W)");
            return add(new Convolution(b, shape.dim(1), filters, kernel, kernel, stride, pad, init, rnd, "conv" + (++convs)));
        }

        public Builder affine(int out) { return add(new Affine(b, shape.cols(), out, init, rnd, "affine" + (++affines))); }

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
            return new Sequential(b, sampleShape, new ArrayList<>(layers), loss, description != null ? description : d.toString(), fuse);
        }
    }
}
