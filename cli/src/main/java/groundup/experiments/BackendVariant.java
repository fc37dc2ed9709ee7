package groundup.experiments;

import groundup.backend.Backend;
import groundup.backend.Precision;

/**
 * One way the backend-switch experiment trains the network: on a backend it owns, with the
 * convolution blocks fused (one backend operation each) or run as their parts.
 *
 * @param name    what the table and the figure call it: "cpu gemm", "cuda", "reference"
 * @param backend closed with the variant
 * @param fused   whether the convolution blocks run fused ({@link groundup.nn.Networks#create})
 * @param perturb the first batch's pixels are scaled by (1 + perturb) at step 1 only: 0, except
 *                for the control run, whose drift from the reference is what rounding alone does
 * @param precision of the network's products ({@code groundup.precision}'s, the same for every variant of a run)
 */
public record BackendVariant(String name, Backend backend, boolean fused, double perturb, Precision precision) implements AutoCloseable {
    public BackendVariant(String name, Backend backend, boolean fused, double perturb) { this(name, backend, fused, perturb, Precision.FP32); }

    @Override public void close() { backend.close(); }
}
