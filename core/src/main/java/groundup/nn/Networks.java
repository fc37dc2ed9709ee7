package groundup.nn;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.tensor.Shape;

/** The book's networks, exactly as its reference code builds them (see docs/architecture.md). */
public final class Networks {
    /** One MNIST image: (1, 28, 28). */
    public static final Shape MNIST = Shape.of(1, 28, 28);

    private Networks() {}

    public static Sequential create(NetworkSpec spec, Backend b, long seed) {
        return create(spec, b, seed, true);
    }

    /** fuse: whether the convolution blocks run as one backend operation each ({@link ConvBlock}), or as their parts (the oracle). */
    public static Sequential create(NetworkSpec spec, Backend b, long seed, boolean fuse) {
        return create(spec, b, seed, fuse, Precision.FP32);
    }

    /** The network with its matrix products in {@code precision} ({@link Sequential.Builder#precision}). */
    public static Sequential create(NetworkSpec spec, Backend b, long seed, Precision precision) {
        return create(spec, b, seed, true, precision);
    }

    public static Sequential create(NetworkSpec spec, Backend b, long seed, boolean fuse, Precision precision) {
        Sequential.Builder n = Sequential.builder(b, MNIST, seed).description(spec.toJson()).fuse(fuse).precision(precision);
        switch (spec.net()) {
            case "two-layer" -> {
                // chapter 5: 784-50-10, ReLU, N(0, 0.01^2)
                n.init(Init.std(0.01)).affine(50).relu().affine(10);
            }
            case "mlp" -> {
                // chapter 6 MultiLayerNet(Extend): ReLU, He init, optional batch norm and dropout
                for (int h : spec.hidden()) {
                    n.affine(h);
                    if (spec.batchNorm()) n.batchNorm();
                    n.relu();
                    if (spec.dropout() > 0) n.dropout(spec.dropout());
                }
                n.affine(10);
            }
            case "simple-cnn" -> {
                // chapter 7: conv 30x5x5 - relu - pool 2 - affine 100 - relu - affine 10; N(0, 0.01^2)
                n.init(Init.std(0.01)).convReluPool(30, 5, 1, 0, 2, 2).affine(100).relu().affine(10);
            }
            case "deep-cnn" -> {
                // chapter 8: He init; conv4 has pad 2, so the maps go 28-14-16-8-4
                n.init(Init.he())
                        .convRelu(16, 3, 1, 1).convReluPool(16, 3, 1, 1, 2, 2)
                        .convRelu(32, 3, 1, 1).convReluPool(32, 3, 1, 2, 2, 2)
                        .convRelu(64, 3, 1, 1).convReluPool(64, 3, 1, 1, 2, 2)
                        .affine(50).relu().dropout(0.5f).affine(10).dropout(0.5f);
            }
            default -> throw new IllegalArgumentException("unknown network " + spec.net());
        }
        return n.softmaxWithLoss();
    }
}
