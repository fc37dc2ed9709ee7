package groundup.backend;

/** The pointwise nonlinearities a backend computes, forward and backward. */
public enum Activation {
    /** y = max(x, 0); backward uses the saved input: dx = dy where x > 0, else 0. */
    RELU,
    /** y = 1 / (1 + e^-x); backward uses the saved output: dx = dy * y * (1 - y). */
    SIGMOID,
    /** y = tanh(x); backward uses the saved output: dx = dy * (1 - y^2). The book uses it in chapter 6's weight-init histograms. */
    TANH
}
