package groundup.nn;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/** ReLU, sigmoid or tanh, elementwise; see {@link Relu}, {@link Sigmoid} and {@link Tanh}. */
abstract class ActivationLayer implements Layer {
    private final Backend b;
    private final Activation f;
    private Tensor x, y, dx;

    ActivationLayer(Backend b, Activation f) {
        this.b = b;
        this.f = f;
    }

    @Override public Shape outputShape(Shape input) { return input; }

    Activation activation() { return f; }

    @Override public Tensor forward(Tensor x, Mode mode) {
        this.x = x;
        y = Buffers.ensure(b, y, x.shape());
        b.activation(f, x, y);
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        dx = Buffers.ensure(b, dx, dy.shape());
        Tensor saved = switch (f) {      // what the derivative is computed from (Activation's contract)
            case RELU -> x;
            case SIGMOID, TANH -> y;
        };
        b.activationBackward(f, saved, dy, dx);
        return dx;
    }

    @Override public void close() { Buffers.close(y, dx); }
}
