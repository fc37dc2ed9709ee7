package groundup.nn;

import groundup.backend.Activation;
import groundup.backend.Backend;

/** y = 1 / (1 + e^-x). */
public final class Sigmoid extends ActivationLayer {
    public Sigmoid(Backend b) { super(b, Activation.SIGMOID); }

    @Override public String describe() { return "Sigmoid"; }
}
