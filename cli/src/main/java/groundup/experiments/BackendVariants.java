package groundup.experiments;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;
import groundup.backend.BackendUnavailableException;
import groundup.backend.Backends;
import groundup.cpu.CpuBackendProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * What the backend-switch experiment runs here: the reference (CPU, im2col, unfused: the plain
 * version of every op), its perturbed control, the CPU on each convolution path, and every other
 * backend on the class path that loads. What cannot load is skipped with the reason.
 */
public final class BackendVariants {
    /** The one every other is compared with. */
    public static final String REFERENCE = "reference";
    /** The reference again, its first batch perturbed by {@link #CONTROL_PERTURBATION}: rounding's envelope. */
    public static final String CONTROL = "control";
    /**
     * One part in 10^6, about 16 float32 ulps: a rounding-sized difference at step 1, as
     * CudaParityTest's control uses; what it grows into is what rounding alone does to the run.
     */
    public static final double CONTROL_PERTURBATION = 1e-6;

    /** A variant that could not be made here, and why. */
    public record Skipped(String name, String reason) {}

    /** The variants made (reference first, control second) and those skipped; closing closes every backend. */
    public record Found(List<BackendVariant> variants, List<Skipped> skipped) implements AutoCloseable {
        @Override public void close() { for (BackendVariant v : variants) v.close(); }
    }

    private BackendVariants() {}

    /** Every backend provider on the class path, the CPU on each convolution path. */
    public static Found here() {
        List<BackendVariant> made = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        CpuBackendProvider cpu = new CpuBackendProvider();
        try {
            BackendProvider.Availability a = cpu.availability();
            if (!a.available()) throw new BackendUnavailableException("backend 'cpu' cannot load: " + a.reason());
            made.add(new BackendVariant(REFERENCE, cpu.create("im2col"), false, 0));
            made.add(new BackendVariant(CONTROL, cpu.create("im2col"), false, CONTROL_PERTURBATION));
            for (String kind : CpuBackendProvider.CONVOLUTIONS) {
                try {
                    made.add(new BackendVariant("cpu " + kind, cpu.create(kind), true, 0));
                } catch (BackendUnavailableException e) {
                    skipped.add(new Skipped("cpu " + kind, e.getMessage()));
                }
            }
            for (BackendProvider p : Backends.providers()) {
                if (p.name().equals(cpu.name())) continue;
                BackendProvider.Availability pa = p.availability();
                if (!pa.available()) {
                    skipped.add(new Skipped(p.name(), pa.reason()));
                    continue;
                }
                try {
                    Backend b = p.create();
                    made.add(new BackendVariant(p.name(), b, true, 0));
                } catch (BackendUnavailableException e) {
                    skipped.add(new Skipped(p.name(), e.getMessage()));
                }
            }
        } catch (RuntimeException e) {
            for (BackendVariant v : made) v.close();
            throw e;
        }
        return new Found(made, skipped);
    }
}
