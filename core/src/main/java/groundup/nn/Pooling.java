package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/** Max pooling over (ph, pw) windows; backward routes each gradient to its window's winner. */
public final class Pooling implements Layer {
    private final Backend b;
    private final int ph, pw, stride, pad;
    private ConvGeometry g;
    private Tensor y, argmax, dx;

    public Pooling(Backend b, int ph, int pw, int stride, int pad) {
        this.b = b;
        this.ph = ph;
        this.pw = pw;
        this.stride = stride;
        this.pad = pad;
    }

    @Override public Shape outputShape(Shape input) { return geometry(input).pooledShape(); }

    /** This layer's window over an input of shape x. */
    ConvGeometry geometry(Shape input) {
        if (input.rank() != 4) throw new IllegalArgumentException(describe() + ": input " + input + " is not (N, C, H, W)");
        return ConvGeometry.of(input, ph, pw, stride, pad);
    }

    @Override public Tensor forward(Tensor x, Mode mode) {
        g = geometry(x.shape());
        y = Buffers.ensure(b, y, g.pooledShape());
        argmax = Buffers.ensure(b, argmax, g.pooledShape());
        b.maxPool(x, g, y, argmax);
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        dx = Buffers.ensure(b, dx, g.inputShape());
        b.maxPoolBackward(dy, argmax, g, dx);
        return dx;
    }

    @Override public String describe() { return "MaxPool " + ph + "x" + pw + " stride " + stride + (pad > 0 ? " pad " + pad : ""); }

    @Override public void close() { Buffers.close(y, argmax, dx); }
}
