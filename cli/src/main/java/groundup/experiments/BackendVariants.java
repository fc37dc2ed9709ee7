package groundup.experiments;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;
import groundup.backend.BackendUnavailableException;
import groundup.backend.Backends;
import groundup.backend.Precision;
import groundup.cpu.CpuBackendProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * What the backend-switch experiment runs here: the reference (CPU, im2col, unfused: the plain
 * version of every op), its perturbed control, the CPU on each convolution path, and every other
 * backend on the class path that loads. What cannot load is skipped with the reason. With
 * {@code -Dgroundup.precision=bf16} (or tf32) every variant runs its products in that precision,
 * the reference too (im2col on a gemm that rounds its inputs: the precision's oracle), and is
 * named so ("cpu auto bf16"); one that cannot run it is skipped, saying why.
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

    /**
     * The control's perturbation in a run whose products are in {@code p}: as many of p's ulps as
     * {@link #CONTROL_PERTURBATION} is of float32's. A float32-sized one vanishes when the pixels
     * are rounded to bf16, and backends that sum in another order differ by bf16's rounding steps.
     */
    public static double controlPerturbation(Precision p) { return CONTROL_PERTURBATION * (1 << p.droppedBits()); }

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
        Precision precision = Precision.requested();
        String suffix = precision == Precision.FP32 ? "" : " " + precision;
        try {
            BackendProvider.Availability a = cpu.availability();
            if (!a.available()) throw new BackendUnavailableException("backend 'cpu' cannot load: " + a.reason());
            Backend ref = cpu.create("im2col"), control = cpu.create("im2col");
            ref.precisionDetail(precision);             // the reference must run it: otherwise nothing can be compared
            made.add(new BackendVariant(REFERENCE, ref, false, 0, precision));
            made.add(new BackendVariant(CONTROL, control, false, controlPerturbation(precision), precision));
            for (String kind : CpuBackendProvider.CONVOLUTIONS) {
                try {
                    add(made, skipped, "cpu " + kind + suffix, cpu.create(kind), precision);
                } catch (BackendUnavailableException e) {
                    skipped.add(new Skipped("cpu " + kind + suffix, e.getMessage()));
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
                    add(made, skipped, p.name() + suffix, p.create(), precision);
                } catch (BackendUnavailableException e) {
                    skipped.add(new Skipped(p.name() + suffix, e.getMessage()));
                }
            }
        } catch (RuntimeException e) {
            for (BackendVariant v : made) v.close();
            throw e;
        }
        return new Found(made, skipped);
    }

    /** A fused variant in precision, or skipped (its backend closed) where the backend cannot run it. */
    private static void add(List<BackendVariant> made, List<Skipped> skipped, String name, Backend b, Precision precision) {
        try {
            b.precisionDetail(precision);
        } catch (IllegalArgumentException e) {
            b.close();
            skipped.add(new Skipped(name, e.getMessage()));
            return;
        }
        made.add(new BackendVariant(name, b, true, 0, precision));
    }
}
