package groundup.experiments;

import groundup.backend.Backend;
import groundup.nn.Init;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.tensor.Shape;
import java.util.List;

/**
 * The book's MultiLayerNet / MultiLayerNetExtend (chapter 6) with the knobs its experiments
 * turn: per hidden layer Affine, [BatchNorm], activation, [Dropout]; then Affine to 10 classes
 * and softmax with cross-entropy. Every Affine, the last too, starts from {@code init}.
 */
public final class BookMlp {
    public enum Act { RELU, SIGMOID, TANH }

    private BookMlp() {}

    public static Sequential create(Backend b, List<Integer> hidden, Act act, Init init, boolean batchNorm, float dropout, long seed) {
        return create(b, Networks.MNIST, hidden, act, init, batchNorm, dropout, seed);
    }

    public static Sequential create(Backend b, Shape sample, List<Integer> hidden, Act act, Init init, boolean batchNorm, float dropout,
                                    long seed) {
        Sequential.Builder n = Sequential.builder(b, sample, seed).init(init);
        for (int h : hidden) {
            n.affine(h);
            if (batchNorm) n.batchNorm();
            switch (act) {
                case RELU -> n.relu();
                case SIGMOID -> n.sigmoid();
                case TANH -> n.tanh();
            }
            if (dropout > 0) n.dropout(dropout);
        }
        return n.affine(10).softmaxWithLoss();
    }

    /** n copies of size: the book's {@code [100] * n}. */
    public static List<Integer> layers(int n, int size) { return java.util.Collections.nCopies(n, size); }
}
