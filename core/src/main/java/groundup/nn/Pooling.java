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
        if (input.equals(lastInput)) return lastGeometry;  // the same batch shape as last time: nothing made
        if (input.rank() != 4) throw new IllegalArgumentException(describe() + ": input " + input + " is not (N, C, H, W)");
        lastGeometry = ConvGeometry.of(input, ph, pw, stride, pad);
        lastInput = input;
        return lastGeometry;
    }

    private Shape lastInput;                                // geometry's last input, and its window over it
    private ConvGeometry lastGeometry;

    @Override public Tensor forward(Tensor x, Mode mode) {
        g = geometry(x.shape());
        y = Buffers.ensurePooled(b, y, g);
        argmax = Buffers.ensurePooled(b, argmax, g);
        b.maxPool(x, g, y, argmax);
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        if (dx == null || !g.takes(dx.shape())) dx = Buffers.ensure(b, dx, g.inputShape());
        b.maxPoolBackward(dy, argmax, g, dx);
        return dx;
    }

    @Override public String describe() { return "MaxPool " + ph + "x" + pw + " stride " + stride + (pad > 0 ? " pad " + pad : ""); }

    @Override public void close() { Buffers.close(y, argmax, dx); }
}
