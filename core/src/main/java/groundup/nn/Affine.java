package groundup.nn;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * y (N, out) = x (N, in) W (in, out) + b (out). An input of any rank is read as (N, in),
 * so a (N, C, H, W) feature map feeds an Affine without a reshape layer. Its three products
 * take their inputs in the layer's {@link Precision} (x and W, x and dy, dy and W).
 */
public final class Affine implements Layer {
    private final Backend b;
    private final int in, out;
    private final Parameter w, bias;
    private final Precision precision;
    private Tensor x;                 // the forward input, kept for backward (not owned)
    private Tensor y, dx;
    private boolean skipDx;

    public Affine(Backend backend, int in, int out, Init init, Random rnd, String name) {
        this(backend, in, out, init, rnd, name, Precision.FP32);
    }

    public Affine(Backend backend, int in, int out, Init init, Random rnd, String name, Precision precision) {
        this.b = backend;
        this.precision = precision;
        this.in = in;
        this.out = out;
        Tensor wv = backend.allocate(Shape.of(in, out));
        backend.upload(init.sample(rnd, in * out, in), 0, wv);
        this.w = new Parameter(name + ".W", wv, backend.allocate(Shape.of(in, out)), true);
        this.bias = new Parameter(name + ".b", backend.allocate(Shape.of(out)), backend.allocate(Shape.of(out)), false);
    }

    @Override public Shape outputShape(Shape input) {
        if (input.equals(lastInput)) return lastOutput;     // the same batch shape as last time: nothing made
        if (input.cols() != in) {
            throw new IllegalArgumentException("Affine " + in + "->" + out + ": input " + input + " has " + input.cols()
                    + " features per sample, expected " + in);
        }
        lastOutput = Shape.of(input.rows(), out);
        lastInput = input;
        return lastOutput;
    }

    private Shape lastInput, lastOutput;                    // outputShape's last input and answer

    @Override public Tensor forward(Tensor x, Mode mode) {
        Shape ys = outputShape(x.shape());
        this.x = x;
        y = Buffers.ensure(b, y, ys);
        b.gemm(precision, false, false, 1f, x, w.value(), 0f, y);
        b.addRowVector(y, bias.value(), y);
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        b.gemm(precision, true, false, 1f, x, dy, 0f, w.grad());        // dW (in, out) = x^T dy
        b.sumRows(dy, bias.grad());                            // db (out)
        if (skipDx) return null;
        dx = Buffers.ensure(b, dx, x.shape());
        b.gemm(precision, false, true, 1f, dy, w.value(), 0f, dx);       // dx (N, in) = dy W^T
        return dx;
    }

    @Override public List<Parameter> parameters() { return List.of(w, bias); }

    @Override public void skipInputGradient() { skipDx = true; }

    @Override public String describe() { return "Affine " + in + "->" + out + (precision == Precision.FP32 ? "" : " " + precision); }

    @Override public void close() { Buffers.close(y, dx, w.value(), w.grad(), bias.value(), bias.grad()); }
}
