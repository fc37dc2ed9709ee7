package groundup.backend;

import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * A convolution, its ReLU and a max pooling after it, composed from the convolver's
 * {@link Convolver#forwardRelu} and {@link Convolver#backward} and the backend's pooling
 * kernels: {@link Convolver#forwardReluPool} for convolvers with no pooling of their own.
 * <pre>
 * forward:  y (N,F,OH,OW) = forwardRelu(x); yp, argmax = maxPool(y)   (argmax null: into a scratch tensor)
 * backward: dyp' = dyp where yp &gt; 0, else 0    (yp is the ReLU output at the argmax: its mask there)
 *           dy = maxPoolBackward(dyp')           (zero off the argmax, where the mask does not matter)
 *           backward(x, dy)                      no ReLU step left: dy is masked already
 * </pre>
 * Masking the pooled gradient (a quarter of the size for 2x2 windows) gives the same floats
 * as masking after the scatter: every contribution to one element of dy carries that
 * element's own mask. Scratch tensors are allocated on first use and on a change of shape.
 */
public final class ComposedReluPool implements AutoCloseable {
    private final Backend b;
    private final Convolver conv;
    private Tensor y, dypMasked, dy, unkept;   // unkept: the winners of a forward that keeps none

    public ComposedReluPool(Backend b, Convolver conv) {
        this.b = b;
        this.conv = conv;
    }

    public void forward(Tensor x, Tensor w, Tensor bias, ConvGeometry pool, Tensor yp, Tensor argmax) {
        Checks.convolutionPool(b, conv.geometry(), conv.filters(), pool, yp, argmax);
        y = ensure(y, pool.inputShape());
        conv.forwardRelu(x, w, bias, y);
        if (argmax == null) argmax = unkept = ensure(unkept, yp.shape());
        b.maxPool(y, pool, yp, argmax);
    }

    public void backward(Tensor x, Tensor w, ConvGeometry pool, Tensor yp, Tensor argmax, Tensor dyp, Tensor dw, Tensor db, Tensor dx) {
        Checks.convolutionPool(b, conv.geometry(), conv.filters(), pool, yp, argmax, dyp);
        dypMasked = ensure(dypMasked, yp.shape());
        b.activationBackward(Activation.RELU, yp, dyp, dypMasked);
        dy = ensure(dy, pool.inputShape());
        b.maxPoolBackward(dypMasked, argmax, pool, dy);
        conv.backward(x, w, dy, dw, db, dx);
    }

    private Tensor ensure(Tensor t, Shape s) {
        if (t != null && t.shape().equals(s)) return t;
        if (t != null) t.close();
        return b.allocate(s);
    }

    @Override public void close() {
        if (y != null) y.close();
        if (dypMasked != null) dypMasked.close();
        if (dy != null) dy.close();
        if (unkept != null) unkept.close();
    }
}
