package groundup.backend;

import groundup.tensor.ConvGeometry;
import groundup.tensor.Tensor;

/**
 * One convolution geometry on one backend: input x (N, C, H, W), weights w (F, C*kh*kw), bias
 * b (F), output y (N, F, OH, OW). Made by {@link Backend#convolver}; it owns its scratch
 * memory, allocated when it is made, so a training step allocates nothing. The oracle is
 * {@link Im2colConvolver}: im2col, one GEMM, the bias, a transpose; a backend may compute the
 * same another way (the CPU backend: image by image, in cache).
 */
public interface Convolver extends AutoCloseable {

    ConvGeometry geometry();

    int filters();

    /** y = conv(x, w) + b. x is not modified. */
    void forward(Tensor x, Tensor w, Tensor b, Tensor y);

    /**
     * From dy (N, F, OH, OW) of the last {@link #forward}, whose x must be passed again unchanged:
     * dw (F, C*kh*kw) and db (F) are overwritten; dx (N, C, H, W) too, unless it is null.
     */
    void backward(Tensor x, Tensor w, Tensor dy, Tensor dw, Tensor db, Tensor dx);

    /**
     * y = max(conv(x, w) + b, 0): {@link #forward} and a ReLU after it (max as
     * {@link Activation#RELU} takes it, NaN kept), in one pass over y where the backend can.
     * Why: a ReLU of its own reads and writes the whole activation again, and after the
     * book's convolutions that is as long as the convolution's own work on the CPU.
     */
    void forwardRelu(Tensor x, Tensor w, Tensor b, Tensor y);

    /**
     * The backward of {@link #forwardRelu}: {@link #backward} of dy masked to where y, that
     * forward's output, passed again unchanged, is positive (y &gt; 0 exactly where
     * conv(x, w) + b &gt; 0). Neither y nor dy is modified.
     */
    void backwardRelu(Tensor x, Tensor w, Tensor y, Tensor dy, Tensor dw, Tensor db, Tensor dx);

    /**
     * {@link #forwardRelu}, then max pooling of its output (N, F, OH, OW) over {@code pool}
     * (a geometry whose input is that output): yp and argmax as {@link Backend#maxPool}. Where
     * the backend can, the full-size output is not written and read back as a plain array
     * (the CPU's oneDNN convolver pools its blocked output in place; CUDA pools the GEMM's
     * output in one kernel). {@link ComposedReluPool} is the plain composition, the oracle. argmax null: no backward follows (inference), so the
     * winners need not be kept; yp is the same, and a convolver may skip finding them.
     */
    void forwardReluPool(Tensor x, Tensor w, Tensor b, ConvGeometry pool, Tensor yp, Tensor argmax);

    /**
     * The backward of {@link #forwardReluPool} from dyp (the pooled output's gradient), with
     * that forward's yp and argmax (never null here) passed again unchanged. The ReLU's mask is taken from yp:
     * each pooled value is the ReLU output it was picked from.
     */
    void backwardReluPool(Tensor x, Tensor w, ConvGeometry pool, Tensor yp, Tensor argmax, Tensor dyp, Tensor dw, Tensor db, Tensor dx);

    @Override void close();
}
