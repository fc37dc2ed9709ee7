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

    @Override void close();
}
