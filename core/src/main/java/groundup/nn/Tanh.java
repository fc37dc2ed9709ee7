package groundup.nn;

import groundup.backend.Activation;
import groundup.backend.Backend;

/** y = tanh(x). */
public final class Tanh extends ActivationLayer {
    public Tanh(Backend b) { super(b, Activation.TANH); }

    @Override public String describe() { return "Tanh"; }
}
