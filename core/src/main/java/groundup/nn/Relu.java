package groundup.nn;

import groundup.backend.Activation;
import groundup.backend.Backend;

/** y = max(x, 0). */
public final class Relu extends ActivationLayer {
    public Relu(Backend b) { super(b, Activation.RELU); }

    @Override public String describe() { return "ReLU"; }
}
